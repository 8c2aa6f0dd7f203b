// Trust anchors as DER for the core: by default Node's root store plus the
// PEM file named by NODE_EXTRA_CA_CERTS (as Node's own https does), or the
// caller's `ca` (PEM or DER, one or many), which replaces both.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { hostError, MicroHttpsError } from './errors.js';

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
  if (out.length === 0) throw hostError('CONFIG', 'ca holds no certificate (expected PEM "BEGIN CERTIFICATE" blocks or DER)');
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
