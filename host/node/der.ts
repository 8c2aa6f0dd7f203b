// Just enough DER to show certificate Names in the host (trust.ts): an
// element's tag and where its value lies, and the elements inside a
// constructed one. Anchors are indexed by the core (mh_anchor_subject_hash).

/** One DER element: its tag, where it starts (`at`) and where its value lies. */
export interface Tlv { tag: number; at: number; start: number; end: number }

export function readTlv(der: Uint8Array, at: number): Tlv {
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > der.length) throw new RangeError('truncated DER');
  return { tag, at, start, end: start + len };
}

export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const t = readTlv(der, at);
    out.push(t);
    at = t.end;
  }
  return out;
}
