// Trust anchors as DER for the core: by default Node's root store plus the
// PEM file named by NODE_EXTRA_CA_CERTS (as Node's own https does), or the
// caller's `ca` (PEM or DER, one or many), which replaces both.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { PeerField, TlsReason } from './generated/spec.js';
import { hostError, MicroHttpsError } from './errors.js';
import { readTlv, children, type Tlv } from './der.js';

export type CaInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

let defaultStore: Uint8Array[] | MicroHttpsError | undefined;

/** PEM text to the DER bodies of its CERTIFICATE blocks. */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
  return out;
}

function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64)).toString('latin1').includes('-----BEGIN');
}

/** The anchors for a request: the caller's `ca` when given, else the default store. */
export function trustAnchors(ca?: CaInput): Uint8Array[] {
  if (ca === undefined) {
    defaultStore ??= loadDefaultStore();
    if (defaultStore instanceof Error) throw defaultStore;
    return defaultStore;
  }
  const items = typeof ca === 'string' || ca instanceof Uint8Array ? [ca] : ca;
  const out: Uint8Array[] = [];
  for (const item of items) {
    if (typeof item === 'string') out.push(...pemToDer(item));
    else if (isPem(item)) out.push(...pemToDer(Buffer.from(item).toString('latin1')));
    else out.push(item);
  }
  if (out.length === 0) throw new TypeError('ca holds no certificate (expected PEM "BEGIN CERTIFICATE" blocks or DER)');
  return out;
}

/**
 * Node's roots plus NODE_EXTRA_CA_CERTS, read once per process like Node does.
 * Where Node only warns about an unreadable or empty file, we refuse to
 * connect: a trust store other than the one the user configured must not be
 * used silently.
 */
function loadDefaultStore(): Uint8Array[] | MicroHttpsError {
  const roots = rootCertificates.flatMap(pemToDer);
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return roots;
  let extra: Uint8Array[];
  try {
    extra = pemToDer(readFileSync(file, 'latin1'));
  } catch (err) {
    return hostError('CONFIG', `NODE_EXTRA_CA_CERTS=${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
  if (extra.length === 0) return hostError('CONFIG', `NODE_EXTRA_CA_CERTS=${file} holds no PEM "BEGIN CERTIFICATE" block`);
  // the user's certificates first: the core's trust store is bounded, and
  // they must not be the ones that do not fit
  return [...extra, ...roots];
}

// ---- pins, client identity, and what the core tells about the peer ------

/** `sha256/<base64>` pins (curl --pinnedpubkey form) to 32-byte hashes. */
export function pinHashes(pins: string | readonly string[]): Uint8Array[] {
  const list = typeof pins === 'string' ? pins.split(';') : pins;
  if (list.length === 0) throw new TypeError('pin holds no hash (expected sha256/<base64 of the SPKI sha256>)');
  return list.map((pin) => {
    const m = /^sha256\/([A-Za-z0-9+/]{43}=)$/.exec(pin.trim());
    if (!m) throw new TypeError(`pin ${JSON.stringify(pin)} is not sha256/<base64 of a 32-byte sha256>`);
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
  if (certs.length === 0) throw new TypeError('cert holds no PEM "BEGIN CERTIFICATE" block');
  const text = pemText(key);
  if (/BEGIN ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new TypeError('key is encrypted: decrypt it first (e.g. crypto.createPrivateKey({ key, passphrase }).export({ type: "pkcs8", format: "pem" }))');
  }
  const m = /-----BEGIN (PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new TypeError('key holds no PEM "BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY" or "BEGIN EC PRIVATE KEY" block');
  return { certs, key: new Uint8Array(Buffer.from(m[2].replace(/\s+/g, ''), 'base64')) };
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC',
};

function oidText(b: Uint8Array): string {
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (const byte of b.subarray(1)) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

function stringValue(der: Uint8Array, t: Tlv): string {
  const bytes = Buffer.from(der.subarray(t.start, t.end));
  if (t.tag === 0x1e) return bytes.swap16().toString('utf16le'); // BMPString
  return bytes.toString(t.tag === 0x0c ? 'utf8' : 'latin1');
}

/** A DER Name as text, attributes in certificate order: "CN=a, O=b". */
export function nameText(der: Uint8Array): string {
  if (der.length === 0) return '';
  try {
    const parts: string[] = [];
    for (const rdn of children(der, readTlv(der, 0))) {
      for (const atv of children(der, rdn)) {
        const [oid, value] = children(der, atv);
        const id = oidText(der.subarray(oid.start, oid.end));
        parts.push(`${ATTRIBUTE_NAMES[id] ?? id}=${stringValue(der, value)}`);
      }
    }
    return parts.join(', ');
  } catch {
    return `(unreadable name, ${der.length} bytes)`;
  }
}

/** A DER UTCTime / GeneralizedTime (tag byte, then text) as a Date. */
export function certTime(field: Uint8Array): Date | undefined {
  if (field.length < 2) return undefined;
  const t = Buffer.from(field.subarray(1)).toString('latin1');
  const full = field[0] === 0x17 ? `${Number(t.slice(0, 2)) < 50 ? '20' : '19'}${t}` : t;
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(full);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const words: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) words.push((b[i] << 8) | b[i + 1]);
  // RFC 5952: the longest run of two or more zero words becomes "::"
  let best = -1, bestLen = 1;
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j > i ? j : i + 1;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** The summary's SAN triples (tag, length, value) as "DNS:name" / "IP:address". */
export function sanList(field: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at + 2 <= field.length;) {
    const tag = field[at];
    const len = field[at + 1];
    const value = field.subarray(at + 2, at + 2 + len);
    out.push(tag === 0x82 ? `DNS:${Buffer.from(value).toString('latin1')}` : `IP:${ipText(value)}`);
    at += 2 + len;
  }
  return out;
}

// ---- TLS facts read from the core ------------------------------------------

const TLS_VERSIONS: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** Our suites, and the legacy ones a server may choose, by OpenSSL name. */
const SUITES: Record<number, string> = {
  // TLS 1.3 suites by their IANA names (as Node reports them)
  0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384', 0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0xcca9: 'ECDHE-ECDSA-CHACHA20-POLY1305', 0xcca8: 'ECDHE-RSA-CHACHA20-POLY1305',
  0xc02b: 'ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02f: 'ECDHE-RSA-AES128-GCM-SHA256',
  0xc02c: 'ECDHE-ECDSA-AES256-GCM-SHA384', 0xc030: 'ECDHE-RSA-AES256-GCM-SHA384',
  0x0033: 'DHE-RSA-AES128-SHA', 0x0039: 'DHE-RSA-AES256-SHA', 0x009e: 'DHE-RSA-AES128-GCM-SHA256',
  0x009f: 'DHE-RSA-AES256-GCM-SHA384', 0xccaa: 'DHE-RSA-CHACHA20-POLY1305', 0x0067: 'DHE-RSA-AES128-SHA256',
  0x006b: 'DHE-RSA-AES256-SHA256', 0x002f: 'AES128-SHA', 0x0035: 'AES256-SHA', 0x009c: 'AES128-GCM-SHA256',
  0x009d: 'AES256-GCM-SHA384', 0x003c: 'AES128-SHA256', 0x003d: 'AES256-SHA256', 0x000a: 'DES-CBC3-SHA',
  0x0005: 'RC4-SHA', 0x0004: 'RC4-MD5', 0xc009: 'ECDHE-ECDSA-AES128-SHA', 0xc00a: 'ECDHE-ECDSA-AES256-SHA',
  0xc013: 'ECDHE-RSA-AES128-SHA', 0xc014: 'ECDHE-RSA-AES256-SHA', 0xc023: 'ECDHE-ECDSA-AES128-SHA256',
  0xc027: 'ECDHE-RSA-AES128-SHA256',
};

export const versionName = (v: number): string => TLS_VERSIONS[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
export const suiteName = (s: number): string => SUITES[s] ?? `0x${s.toString(16).padStart(4, '0')}`;

/** The core's view of one certificate of the server's chain. */
export interface PeerCertificate {
  subject: string;
  issuer: string;
  validFrom: Date | undefined;
  validTo: Date | undefined;
  /** dNSName and iPAddress SANs, as "DNS:name" and "IP:address" */
  subjectAltNames: string[];
  /** sha256 of the SubjectPublicKeyInfo, in the `pin` form "sha256/<base64>" */
  spkiSha256: string;
}

interface PeerExports {
  memory: WebAssembly.Memory;
  mh_peer_count(): number;
  mh_peer_field_ptr(i: number, field: number): number;
  mh_peer_field_len(i: number, field: number): number;
}

/** The summary the core kept of the server's chain (leaf first, bounded). */
export function peerCertificates(x: PeerExports): PeerCertificate[] {
  const field = (i: number, f: number) => new Uint8Array(x.memory.buffer, x.mh_peer_field_ptr(i, f), x.mh_peer_field_len(i, f)).slice();
  const out: PeerCertificate[] = [];
  for (let i = 0, n = x.mh_peer_count(); i < n; i++) {
    const spki = field(i, PeerField.SPKI_SHA256);
    out.push({
      subject: nameText(field(i, PeerField.SUBJECT)),
      issuer: nameText(field(i, PeerField.ISSUER)),
      validFrom: certTime(field(i, PeerField.NOT_BEFORE)),
      validTo: certTime(field(i, PeerField.NOT_AFTER)),
      subjectAltNames: sanList(field(i, PeerField.SANS)),
      spkiSha256: spki.length ? `sha256/${Buffer.from(spki).toString('base64')}` : '',
    });
  }
  return out;
}

interface FailureExports extends PeerExports {
  mh_error_reason(): number;
  mh_error_subject_ptr(): number;
  mh_error_subject_len(): number;
  mh_tls_version(): number;
  mh_tls_suite(): number;
}

const reasonNames = Object.fromEntries(Object.entries(TlsReason).map(([k, v]) => [v, k])) as Record<number, string>;

function reasonText(x: FailureExports, reason: number): string {
  switch (reason) {
    case TlsReason.NAME_NO_SAN: return 'the certificate has no DNS or IP subjectAltName; the Common Name is not used (RFC 9525)';
    case TlsReason.NAME_NOT_IN_SAN: return 'no subjectAltName matches the host (DNS names match dNSName SANs only, IP addresses iPAddress SANs only)';
    case TlsReason.EKU_NO_SERVER_AUTH: return 'the certificate\'s extendedKeyUsage does not allow serverAuth';
    case TlsReason.PIN_MISMATCH: return 'no public key of the validated chain matches a pin';
    case TlsReason.CERT_UNREADABLE: return 'a certificate is malformed DER or nested too deeply';
    case TlsReason.CLIENT_CERT_REQUESTED: return 'the server requires a client certificate: pass cert and key';
    case TlsReason.CLIENT_CERT_REJECTED: return 'the server refused our client certificate';
    case TlsReason.SERVER_OLD_VERSION: return `the server wants ${versionName(x.mh_tls_version())}; only TLSv1.2 and TLSv1.3 are accepted`;
    case TlsReason.DOWNGRADE: return 'the server random carries the TLS 1.3 downgrade sentinel: someone on the path made a TLS-1.3-capable server speak TLSv1.2 (RFC 8446 4.1.3)';
    case TlsReason.SERVER_TLS12: return 'the server does not speak TLSv1.3 (it answered with TLSv1.2 or refused the version), and minVersion is \'1.3\'';
    case TlsReason.SERVER_SUITE: return `the server chose ${suiteName(x.mh_tls_suite())}, which we did not offer`;
    case TlsReason.ANCHOR_SIGNATURE: return 'its issuer is a trusted root by name, but the signature does not verify with that root\'s key';
    case TlsReason.WEAK_SIGNATURE_HASH: return 'it is signed with SHA-1 or MD5';
    case TlsReason.NO_COMMON_SUITE: return 'the server accepts none of our cipher suites (ECDHE with AES-GCM or ChaCha20-Poly1305): it offers only DHE, static-RSA or CBC suites, or only TLS < 1.2';
  }
  return '';
}

/** Adds the reason and the offending certificate's subject to a core TLS/certificate error. */
export function tlsFailure(x: FailureExports, err: MicroHttpsError): MicroHttpsError {
  if (!err.code.startsWith('CERT_') && !err.code.startsWith('TLS_')) return err;
  const reason = x.mh_error_reason();
  const subjectDer = new Uint8Array(x.memory.buffer, x.mh_error_subject_ptr(), x.mh_error_subject_len()).slice();
  const subject = err.code.startsWith('CERT_') && subjectDer.length ? nameText(subjectDer) : undefined;
  const why = reasonText(x, reason);
  const message = `${err.message}${why ? `: ${why}` : ''}${subject ? ` (certificate: ${subject})` : ''}`;
  return new MicroHttpsError(err.code, message, {
    detail: err.detail, detailName: err.detailName, reason: reason ? reasonNames[reason] : undefined, subject,
  });
}
