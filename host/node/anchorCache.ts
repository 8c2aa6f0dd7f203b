// The anchor indexes connections look trust anchors up in, cached per trust
// setting: the default store once per process, a caller's `ca` once per value
// (a PEM string, the most recent ones) or per object.
import { AnchorIndex } from './anchorIndex.js';
import { trustAnchors, type CaInput } from './trustAnchors.js';

let defaultIndex: AnchorIndex | undefined;
const indexByObject = new WeakMap<object, AnchorIndex>();
const indexByPem = new Map<string, AnchorIndex>();
/** PEM strings whose index is kept (oldest dropped first). */
const PEM_INDEXES = 32;

export function anchorIndex(ca: CaInput | undefined): AnchorIndex {
  if (ca === undefined) return (defaultIndex ??= new AnchorIndex(trustAnchors()));
  if (typeof ca !== 'string') {
    let index = indexByObject.get(ca);
    if (!index) indexByObject.set(ca, (index = new AnchorIndex(trustAnchors(ca))));
    return index;
  }
  let index = indexByPem.get(ca);
  if (!index) {
    indexByPem.set(ca, (index = new AnchorIndex(trustAnchors(ca))));
    if (indexByPem.size > PEM_INDEXES) indexByPem.delete(indexByPem.keys().next().value as string);
  }
  return index;
}
