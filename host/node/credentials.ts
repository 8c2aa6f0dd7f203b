// What the caller gives to prove or pin identities: public key pins
// ("sha256/<base64>") and the client certificate chain and key for mutual
// TLS, decoded to the hashes and DER the core takes. Bad input is CONFIG.
import { hostError } from './errors.js';
import { pemToDer } from './trustAnchors.js';

/** One pin as curl --pinnedpubkey writes it: sha256/ and the base64 of a 32-byte hash. */
export const PIN_FORM = /^sha256\/([A-Za-z0-9+/]{43}=)$/;

/** `sha256/<base64>` pins (curl --pinnedpubkey form) to 32-byte hashes. */
export function pinHashes(pins: string | readonly string[]): Uint8Array[] {
  const list = typeof pins === 'string' ? pins.split(';') : pins;
  if (list.length === 0) throw hostError('CONFIG', 'pin holds no hash (expected sha256/<base64 of the SPKI sha256>)');
  return list.map((pin) => {
    const m = PIN_FORM.exec(pin.trim());
    if (!m) throw hostError('CONFIG', `pin ${JSON.stringify(pin)} is not sha256/<base64 of a 32-byte sha256>`);
    return new Uint8Array(Buffer.from(m[1], 'base64'));
  });
}

export type PemInput = string | Uint8Array;

function pemText(input: PemInput): string {
  return typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
}

/** The client certificate chain (leaf first) and private key, as DER. */
export function clientIdentity(cert: PemInput, key: PemInput): { certs: Uint8Array[]; key: Uint8Array } {
  const certs = pemToDer(pemText(cert));
  if (certs.length === 0) throw hostError('CONFIG', 'cert holds no PEM "BEGIN CERTIFICATE" block');
  const text = pemText(key);
  if (/BEGIN ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw hostError('CONFIG', 'key is encrypted: decrypt it first (e.g. crypto.createPrivateKey({ key, passphrase }).export({ type: "pkcs8", format: "pem" }))');
  }
  const m = /-----BEGIN (PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw hostError('CONFIG', 'key holds no PEM "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY" or "BEGIN EC PRIVATE KEY" block');
  return { certs, key: new Uint8Array(Buffer.from(m[2].replace(/\s+/g, ''), 'base64')) };
}
