// Build profiles of the core: which WebAssembly features each binary may use.
// tools/build.mjs builds every profile (or only MH_PROFILE); test/profiles.test.mjs
// checks each built binary against its list. To add a profile, add a row; to
// let a profile use a feature, name it in `features` (it must be in FEATURES).

/**
 * Each feature as every tool in the build spells it; `declared` is how the
 * binary's target_features section names it (binaryen writes it).
 */
export const FEATURES = {
  'bulk-memory': { clang: '-mbulk-memory', asc: 'bulk-memory', binaryen: ['BulkMemory', 'BulkMemoryOpt'], merge: '--enable-bulk-memory', declared: ['bulk-memory', 'bulk-memory-opt'] },
  'sign-ext': { clang: '-msign-ext', asc: 'sign-extension', binaryen: ['SignExt'], merge: '--enable-sign-ext', declared: ['sign-ext'] },
  'mutable-globals': { clang: '-mmutable-globals', asc: 'mutable-globals', binaryen: ['MutableGlobals'], merge: '--enable-mutable-globals', declared: ['mutable-globals'] },
  'nontrapping-fptoint': { clang: '-mnontrapping-fptoint', asc: 'nontrapping-f2i', binaryen: ['NontrappingFPToInt'], merge: '--enable-nontrapping-float-to-int', declared: ['nontrapping-fptoint'] },
  // Auto-vectorization stays off with SIMD: it would reshape BearSSL's
  // constant-time code, and clang 14's SLP vectorizer miscompiles scalar
  // 32x32->64 multiply chains for wasm SIMD (wrong Poly1305 tags at -O2).
  'simd128': { clang: ['-msimd128', '-fno-slp-vectorize', '-fno-vectorize'], asc: 'simd', binaryen: ['SIMD128'], merge: '--enable-simd', declared: ['simd128'] },
};

// What every WAMR interpreter (classic and fast), AOT and JIT execute when
// WAMR is built with WAMR_BUILD_BULK_MEMORY=1 (its default). SIMD is not here:
// WAMR's classic interpreter has none.
const WAMR_INTERPRETERS = ['bulk-memory', 'sign-ext', 'mutable-globals', 'nontrapping-fptoint'];

// A profile may also set, for its binary alone:
//   arenaBytes, stackBytes, xferBytes  the static arena the per-connection
//       buffers are carved from, the C stack, and the transfer window
//       (defaults: spec/limits.json). The arena is RAM on a board, all of it:
//       WAMR keeps linear memory up to __heap_base. The default limits carve
//       67,472 bytes.
//   limits  default values of spec/limits.json's limits (by name), which
//       mh_limit_get reports and a host may still change before mh_init.
//   tls  TLS features left out of the binary (tls/core/profile.h), each a C macro.
//   optimize  'size' builds with clang -Oz and binaryen's shrink level 2.
// Every profile has memoryBudget: the most linear memory (mh_mem USED_PEAK:
// static data + deepest stack + arena carved) an HTTPS GET over an ECDSA
// chain may need with its default limits, with 16 KiB records and with a
// 1 KiB Maximum Fragment Length; test/memory-budgets.test.mjs checks them.
// They guard against regressions; docs/memory.md compares them with issue 6's
// targets (32 KiB and 16 KiB), which no profile meets.
export const PROFILES = [
  { name: 'full', output: 'microhttps.wasm', features: [...WAMR_INTERPRETERS, 'simd128'], memoryBudget: { records16k: 106 * 1024, mfl1024: 90 * 1024 }, doc: 'the core the Node host loads: wasm SIMD for ChaCha20, Poly1305, AES-CTR and GHASH (tls/crypto/); room for large limits' },
  { name: 'portable', output: 'microhttps-portable.wasm', features: WAMR_INTERPRETERS, arenaBytes: 80 * 1024, memoryBudget: { records16k: 106 * 1024, mfl1024: 90 * 1024 }, doc: 'runs on every WAMR execution mode, including the classic interpreter; an arena for the default limits (with trust anchors on demand)' },
  {
    name: 'small', output: 'microhttps-small.wasm', features: WAMR_INTERPRETERS, optimize: 'size',
    // 16 KiB records need 16,709 bytes; the other buffers are sized for an
    // API response: 4 KiB of head, 1 KiB of request head, one trust anchor.
    arenaBytes: 26 * 1024, stackBytes: 8 * 1024, xferBytes: 2048,
    limits: { headerBytes: 4096, headerCount: 32, headerLineBytes: 4096, trailerBytes: 1024, requestHeadBytes: 1024, trustStoreBytes: 2048 },
    tls: ['MH_NO_CLIENT_CERTS', 'MH_NO_LARGE_CURVES', 'MH_NO_AES_256', 'MH_NO_SHA_224_512', 'MH_NO_TLS13', 'MH_COMPACT_CRYPTO'],
    memoryBudget: { records16k: 60 * 1024, mfl1024: 45 * 1024 },
    doc: 'least RAM and code: no SIMD; TLS 1.2 only (BearSSL engine; our TLS 1.3 engine would add about 13 KB of code); ECDHE-ECDSA/RSA with AES-128-GCM or ChaCha20-Poly1305 on P-256 or X25519, SHA-256/384; no client certificates; limits for API responses',
  },
];

/**
 * The C flags that give a profile its sizes, limits and TLS features
 * (tls/core/profile.h reads them); `limitSpecs` is spec/limits.json's list.
 */
export function profileDefines(profile, limitSpecs) {
  const defines = [];
  for (const [macro, key] of [['MH_PROFILE_ARENA_BYTES', 'arenaBytes'], ['MH_PROFILE_STACK_BYTES', 'stackBytes'], ['MH_PROFILE_XFER_BYTES', 'xferBytes']]) {
    if (profile[key] !== undefined) defines.push(`-D${macro}=${profile[key]}`);
  }
  const limits = Object.entries(profile.limits ?? {}).map(([name, value]) => {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) throw new Error(`profile ${profile.name}: unknown limit ${name}`);
    if (value < spec.min || value > spec.max) throw new Error(`profile ${profile.name}: ${name}=${value} is outside ${spec.min}..${spec.max}`);
    return `{${spec.id}u,${value}u}`;
  });
  if (limits.length) defines.push(`-DMH_PROFILE_LIMITS=${limits.join(',')}`);
  for (const macro of profile.tls ?? []) defines.push(`-D${macro}=1`);
  return defines;
}

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
/** The C compiler flags of a profile's core (mount-relative include paths, tools/clang.mjs), optimisation aside. */
export function coreCFlags(profile, limitSpecs) {
  return [
    '--target=wasm32', ...toolFlags(profile.features).clang, '-ffreestanding', '-nostdlib',
    '-ffunction-sections', '-fdata-sections', '-fvisibility=hidden',
    '-isystem', 'tls/libc/include', '-I', 'bearssl/inc', '-I', 'bearssl/src', '-I', 'tls', '-I', 'include',
    // BearSSL must never reach for OS time or randomness (hosts supply both),
    // nor for 128-bit multiplies, which would need a compiler runtime.
    '-DBR_USE_URANDOM=0', '-DBR_INT128=0', '-DBR_UMUL128=0', '-DBR_USE_WIN32_RAND=0', '-DBR_RDRAND=0', '-DBR_USE_UNIX_TIME=0', '-DBR_USE_WIN32_TIME=0',
    '-Wall', '-Wno-unused-function',
    // a call to an undeclared function links as a trap in wasm: never let one through
    '-Werror=implicit-function-declaration',
    ...profileDefines(profile, limitSpecs),
  ];
}

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
  };
}
