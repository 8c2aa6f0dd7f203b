// Trust anchors on demand, host side: the core reports the SHA-256 of a
// certificate's issuer Name (its DER, tag and length included) and the host
// answers with the anchors whose subject Name hashes the same. Only those
// enter the core's trust store, so its RAM does not depend on how many roots
// the host knows.
import { createHash } from 'node:crypto';
import { readTlv, children } from './der.js';

/** The subject Name of an X.509 certificate, as DER (tag and length included). */
export function subjectName(cert: Uint8Array): Uint8Array {
  const tbs = readTlv(cert, readTlv(cert, 0).start);
  const fields = children(cert, tbs);
  // [0] version (optional), serialNumber, signature, issuer, validity, subject
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (!subject) throw new RangeError('certificate without a subject');
  return cert.subarray(subject.at, subject.end);
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
