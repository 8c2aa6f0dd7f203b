// Trust anchors as DER for the core: Node's root store by default, or the
// caller's `ca` (PEM or DER, one or many), which replaces it.
import { rootCertificates } from 'node:tls';

export type CaInput = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

let nodeRoots: Uint8Array[] | undefined;

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

/** The anchors for a request: the caller's `ca` when given, else Node's roots. */
export function trustAnchors(ca?: CaInput): Uint8Array[] {
  if (ca === undefined) {
    nodeRoots ??= rootCertificates.flatMap(pemToDer);
    return nodeRoots;
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
