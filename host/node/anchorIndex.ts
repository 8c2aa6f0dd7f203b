// Trust anchors on demand, host side: the core reports the SHA-256 of a
// certificate's issuer Name (its DER, tag and length included) and the host
// answers with the anchors whose subject Name hashes the same. Only those
// enter the core's trust store, so its RAM does not depend on how many roots
// the host knows. The core itself reads each anchor's subject Name
// (mh_anchor_subject_hash), so the host needs no DER parser for it.
import { createHash } from 'node:crypto';
import { Core } from './core.js';
import { hostError } from './errors.js';

/** Hashes subject Names with one core instance for a whole set of anchors. */
function subjectHasher(): (cert: Uint8Array) => string | undefined {
  const core = new Core();
  const code = core.x.mh_init();
  if (code !== 0) throw hostError('INTERNAL', `mh_init failed with the default limits (code ${code})`);
  const cap = core.x.mh_xfer_cap();
  return (cert) => {
    if (cert.length > cap) return undefined; // larger than any anchor the core can load
    const digest = core.x.mh_anchor_subject_hash(core.putXfer(cert));
    return digest === 0 ? undefined : Buffer.from(core.view(digest, 32)).toString('hex');
  };
}

export class AnchorIndex {
  readonly #bySubject = new Map<string, Uint8Array[]>();
  readonly size: number;
  /** Identifies this set of anchors (TLS sessions are kept per trust setting). */
  readonly digest: string;

  constructor(anchors: readonly Uint8Array[]) {
    let n = 0;
    const all = createHash('sha256');
    const subjectHash = subjectHasher();
    for (const der of anchors) {
      all.update(createHash('sha256').update(der).digest());
      const key = subjectHash(der);
      if (key === undefined) continue; // not a certificate the core can read: it could not have matched anyway
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
