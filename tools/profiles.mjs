// Build profiles of the core: which WebAssembly features each binary may use.
// tools/build.mjs builds every profile (or only MH_PROFILE); test/profiles.test.mjs
// checks each built binary against its list. To add a profile, add a row; to
// let a profile use a feature, name it in `features` (it must be in FEATURES).

/**
 * Each feature as every tool in the build spells it; `declared` is how the
 * binary's target_features section names it (binaryen writes it).
 */
export const FEATURES = {
  'bulk-memory': { clang: '-mbulk-memory', asc: 'bulk-memory', binaryen: ['BulkMemory', 'BulkMemoryOpt'], merge: '--enable-bulk-memory', wabt: 'bulk-memory', declared: ['bulk-memory', 'bulk-memory-opt'] },
  'sign-ext': { clang: '-msign-ext', asc: 'sign-extension', binaryen: ['SignExt'], merge: '--enable-sign-ext', wabt: 'sign-extension', declared: ['sign-ext'] },
  'mutable-globals': { clang: '-mmutable-globals', asc: 'mutable-globals', binaryen: ['MutableGlobals'], merge: '--enable-mutable-globals', wabt: 'mutable-globals', declared: ['mutable-globals'] },
  'nontrapping-fptoint': { clang: '-mnontrapping-fptoint', asc: 'nontrapping-f2i', binaryen: ['NontrappingFPToInt'], merge: '--enable-nontrapping-float-to-int', wabt: 'saturating-float-to-int', declared: ['nontrapping-fptoint'] },
  // Auto-vectorization stays off with SIMD: it would reshape BearSSL's
  // constant-time code, and clang 14's SLP vectorizer miscompiles scalar
  // 32x32->64 multiply chains for wasm SIMD (wrong Poly1305 tags at -O2).
  'simd128': { clang: ['-msimd128', '-fno-slp-vectorize', '-fno-vectorize'], asc: 'simd', binaryen: ['SIMD128'], merge: '--enable-simd', wabt: 'simd', declared: ['simd128'] },
};

// Features wabt's wasm-validate (1.0.3x) allows unless told --disable-X.
const WABT_DEFAULT_ON = ['mutable-globals', 'saturating-float-to-int', 'sign-extension', 'simd', 'multi-value', 'bulk-memory', 'reference-types'];

// What every WAMR interpreter (classic and fast), AOT and JIT execute when
// WAMR is built with WAMR_BUILD_BULK_MEMORY=1 (its default). SIMD is not here:
// WAMR's classic interpreter has none.
const WAMR_INTERPRETERS = ['bulk-memory', 'sign-ext', 'mutable-globals', 'nontrapping-fptoint'];

// arenaBytes sizes the static arena the per-connection buffers are carved
// from (default: spec/limits.json). It is RAM on a board, all of it: WAMR keeps
// linear memory up to __heap_base. The default limits carve 67,472 bytes.
export const PROFILES = [
  { name: 'full', output: 'microhttps.wasm', features: [...WAMR_INTERPRETERS, 'simd128'], doc: 'the core the Node host loads: wasm SIMD for ChaCha20 and Poly1305 (tls/crypto/); room for large limits' },
  { name: 'portable', output: 'microhttps-portable.wasm', features: WAMR_INTERPRETERS, arenaBytes: 80 * 1024, doc: 'runs on every WAMR execution mode, including the classic interpreter; an arena for the default limits (with trust anchors on demand)' },
];

/** The profiles to build: all, or the comma-separated names in `selection` (MH_PROFILE). */
export function selectProfiles(selection) {
  if (!selection) return PROFILES;
  return selection.split(',').map((name) => {
    const profile = PROFILES.find((p) => p.name === name.trim());
    if (!profile) throw new Error(`unknown profile ${name}; known: ${PROFILES.map((p) => p.name).join(', ')}`);
    return profile;
  });
}

/** The tool flags for a profile's feature list; features not listed are switched off. */
export function toolFlags(features) {
  for (const f of features) if (!FEATURES[f]) throw new Error(`unknown wasm feature ${f}; known: ${Object.keys(FEATURES).join(', ')}`);
  const on = (tool) => features.map((f) => FEATURES[f][tool]);
  const off = Object.keys(FEATURES).filter((f) => !features.includes(f));
  return {
    // -mcpu=mvp first so that a newer clang's default CPU adds nothing unlisted;
    // the build puts these after -O2, which would otherwise re-enable vectorizers.
    clang: ['-mcpu=mvp', ...on('clang').flat()],
    asc: [...on('asc').flatMap((f) => ['--enable', f]), ...off.flatMap((f) => ['--disable', FEATURES[f].asc])],
    merge: on('merge'),
    binaryen: features.flatMap((f) => FEATURES[f].binaryen),
    declared: features.flatMap((f) => FEATURES[f].declared),
    // wasm-validate arguments that allow exactly these features.
    wabt: [
      ...WABT_DEFAULT_ON.filter((f) => !on('wabt').includes(f)).map((f) => `--disable-${f}`),
      ...on('wabt').filter((f) => !WABT_DEFAULT_ON.includes(f)).map((f) => `--enable-${f}`),
    ],
  };
}
