// Validates a module with binaryen, allowing exactly the given features
// (binaryen's names, as FEATURES in tools/profiles.mjs lists them): every
// instruction is decoded, so an opcode of a feature not allowed fails.
// Replaces wabt's wasm-validate, so that no system tool is needed.
import binaryen from 'binaryen';

/** Whether bytes validate with only these binaryen features enabled. */
export function validatesWith(bytes, features) {
  const mask = features.reduce((m, f) => m | binaryen.Features[f], binaryen.Features.MVP);
  let m;
  try {
    m = binaryen.readBinary(bytes, mask);
    // the binary's target_features section may widen what reading allowed
    m.setFeatures(mask);
    return Boolean(m.validate());
  } catch {
    return false;
  } finally {
    m?.dispose();
  }
}
