// Trust anchors on demand, host side: the core reports the SHA-256 of a
// certificate's issuer Name (its DER, tag and length included) and the host
// answers with the anchors whose subject Name hashes the same. Only those
// enter the core's trust store, so its RAM does not depend on how many roots
// the host knows. The core itself reads each anchor's subject Name
// (mh_anchor_subject_hash), so the host needs no DER parser for it.
import { createHash } from 'node:crypto';
import { takeCore, giveBackCore } from './core.js';
import { hostError } from './errors.js';

/** Hashes the subject Names of a whole set of anchors with one pooled core instance. */
function subjectHashes(anchors: readonly Uint8Array[]): (string | undefined)[] {
  const core = takeCore();
  try {
    const code = core.x.mh_init();
    if (code !== 0) throw hostError('INTERNAL', `mh_init failed with the default limits (code ${code})`);
    const cap = core.x.mh_xfer_cap();
    return anchors.map((cert) => {
      if (cert.length > cap) return undefined; // larger than any anchor the core can load
      const digest = core.x.mh_anchor_subject_hash(core.putXfer(cert));
      return digest === 0 ? undefined : Buffer.from(core.view(digest, 32)).toString('hex');
    });
  } finally {
    giveBackCore(core);
  }
}

export class AnchorIndex {
  readonly #bySubject = new Map<string, Uint8Array[]>();
  readonly size: number;
  /** Identifies this set of anchors (TLS sessions are kept per trust setting). */
  readonly digest: string;

  constructor(anchors: readonly Uint8Array[]) {
    let n = 0;
    const all = createHash('sha256');
    const subjects = subjectHashes(anchors);
    for (const [i, der] of anchors.entries()) {
      all.update(createHash('sha256').update(der).digest());
      const key = subjects[i];
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
