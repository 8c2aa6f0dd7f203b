// Trust anchors on demand, host side: the core reports the SHA-256 of a
// certificate's issuer Name (its DER, tag and length included) and the host
// answers with the anchors whose subject Name hashes the same. Only those
// enter the core's trust store, so its RAM does not depend on how many roots
// the host knows.
import { createHash } from 'node:crypto';

/** The DER bytes (tag, length and content) of the element starting at `at`, and where the content starts. */
function element(der: Uint8Array, at: number): { start: number; contentStart: number; end: number; tag: number } {
  const tag = der[at];
  let len = der[at + 1];
  let contentStart = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | der[at + 2 + i];
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > der.length) throw new Error('truncated DER');
  return { start: at, contentStart, end, tag };
}

/** The subject Name of an X.509 certificate, as DER. */
export function subjectName(cert: Uint8Array): Uint8Array {
  const tbs = element(cert, element(cert, 0).contentStart);
  let at = tbs.contentStart;
  if (cert[at] === 0xa0) at = element(cert, at).end; // [0] version
  for (let i = 0; i < 4; i++) at = element(cert, at).end; // serial, signature, issuer, validity
  const subject = element(cert, at);
  return cert.subarray(subject.start, subject.end);
}

export function nameHash(name: Uint8Array): string {
  return createHash('sha256').update(name).digest('hex');
}

export class AnchorIndex {
  readonly #bySubject = new Map<string, Uint8Array[]>();
  readonly size: number;
  /** Identifies this set of anchors (TLS sessions are kept per trust setting). */
  readonly digest: string;

  constructor(anchors: readonly Uint8Array[]) {
    let n = 0;
    const all = createHash('sha256');
    for (const der of anchors) {
      all.update(createHash('sha256').update(der).digest());
      let key: string;
      try {
        key = nameHash(subjectName(der));
      } catch {
        continue; // not a certificate we can read: it could not have matched anyway
      }
      const list = this.#bySubject.get(key) ?? [];
      list.push(der);
      this.#bySubject.set(key, list);
      n++;
    }
    this.size = n;
    this.digest = all.digest('hex');
  }

  /** Anchors whose subject Name has this SHA-256 (cross-signed roots can share a name). */
  lookup(hash: Uint8Array): readonly Uint8Array[] {
    return this.#bySubject.get(Buffer.from(hash).toString('hex')) ?? [];
  }
}
