// Builds build/microhttps.wasm: BearSSL and our C under tls/ with clang (freestanding
// wasm32), assembly/ with asc on top of the same linear memory, joined by
// wasm-merge, then trimmed to the documented ABI and optimised. Then the Node
// host's TypeScript. `npm install` runs this through the "prepare" script.
// Each build profile (tools/profiles.mjs) is a binary with its own wasm
// feature set; profiles with the same features share one build.
//
// C goes through tools/clang.mjs: the pinned compiler from npm unless CLANG
// is set. cores.sha256 lists the bytes the pinned compiler gives
// (docs/build.md); `--update-hashes` rewrites it from this build, and
// test/reproducible.test.mjs compares.
//
// Environment: BEARSSL_SRC (an unpacked BearSSL 0.6 tree), CLANG (a native
// clang instead of the pinned one), MH_JOBS (parallel C compiles; default:
// all cores), MH_PROFILE (comma-separated profiles to build; default: all),
// MH_KEEP_NAMES=1 (keep function names, for profiling).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { neededBearssl } from './bearssl-deps.mjs';
import { openCompiler } from './clang.mjs';
import { coreHashes, formatHashes, HASH_FILE } from './core-hashes.mjs';
import { readWasm, staticDataEnd, exportedGlobal } from './wasm-reader.mjs';
import { PROFILES, coreCFlags, profileDefines, selectProfiles, toolFlags } from './profiles.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const limits = JSON.parse(readFileSync(join(root, 'spec', 'limits.json'), 'utf8'));
const PAGE = 65536;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    const shown = [cmd, ...args].join(' ');
    throw new Error(`${shown.length > 300 ? shown.slice(0, 300) + ' ...' : shown} failed (exit ${r.status ?? r.error?.message})`);
  }
  return r.stdout;
}

function step(label) {
  console.log(`[build] ${label}`);
}

/** Every .c file below mount's folder, as mount-relative paths. */
function cFiles(mounts, mount, sub = '') {
  return readdirSync(join(mounts[mount], sub), { recursive: true }).filter((f) => f.endsWith('.c')).sort()
    .map((f) => [mount, sub, f].filter(Boolean).join('/'));
}

/** The file a mount-relative path names. */
function hostPath(mounts, path) {
  return join(mounts[path.split('/')[0]], path.slice(path.indexOf('/') + 1));
}

/** Compiles the C sources (mount-relative) to objects, skipping fresh objects. */
async function compileC(cc, mounts, sources, flags, optimizeFlags, objDir) {
  // objects are stale when a header, the spec, the flags' source (this file,
  // the profile table) or the compiler is newer
  const buildFiles = ['build.mjs', 'profiles.mjs', 'clang.mjs', 'clang-worker.mjs', 'bearssl-deps.mjs'].map((f) => statSync(join(root, 'tools', f)).mtimeMs);
  const sameCompiler = readCompilerStamp(objDir) === cc.label;
  // no stamp while objects of two compilers may be mixed (an interrupted build)
  if (!sameCompiler) rmSync(join(objDir, 'compiler'), { force: true });
  const compilerStamp = sameCompiler ? 0 : Infinity;
  const headers = Math.max(compilerStamp, ...buildFiles, ...[join(root, 'tls'), join(root, 'spec')].flatMap((d) =>
    readdirSync(d, { recursive: true }).map((f) => statSync(join(d, f)).mtimeMs)));
  const objects = [];
  const stale = sources.map((src) => {
    const obj = join(objDir, src.replace(/[\\/]/g, '_').replace(/\.c$/, '.o'));
    objects.push(obj);
    return { src, obj };
  }).filter(({ src, obj }) => !existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(hostPath(mounts, src)).mtimeMs, headers));
  mkdirSync(objDir, { recursive: true });
  await Promise.all(stale.map(({ src, obj }) => cc.compile([...optimizeFlags(src), ...flags], src, obj)));
  writeFileSync(join(objDir, 'compiler'), cc.label);
  return objects;
}

/** Which compiler built the objects in objDir (tools/clang.mjs's label). */
function readCompilerStamp(objDir) {
  return existsSync(join(objDir, 'compiler')) ? readFileSync(join(objDir, 'compiler'), 'utf8') : null;
}

function linkC(cc, objects, stackBytes, memoryBytes, output) {
  const args = [
    '--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-Wl,--stack-first',
    `-Wl,-z,stack-size=${stackBytes}`, '-Wl,--export=__heap_base', '-Wl,--gc-sections',
    '-Wl,--strip-debug',
  ];
  if (memoryBytes) args.push(`-Wl,--initial-memory=${memoryBytes}`, `-Wl,--max-memory=${memoryBytes}`);
  return cc.link(args, objects, output);
}

function heapBaseOf(wasmFile) {
  const value = exportedGlobal(readWasm(readFileSync(wasmFile)), '__heap_base');
  if (value === undefined) throw new Error('__heap_base not found in C module');
  return value;
}

async function main() {
  const profiles = selectProfiles(process.env.MH_PROFILE);
  step('generating code from spec/');
  run(process.execPath, [join(root, 'tools', 'gen.mjs')]);

  step('obtaining BearSSL sources');
  const bearssl = run('sh', [join(root, 'tools', 'fetch-bearssl.sh'), join(out, 'bearssl')]).trim().split('\n').pop();
  const mounts = { bearssl: bearssl.startsWith('/') ? bearssl : join(root, bearssl), tls: join(root, 'tls'), include: join(root, 'include') };
  const cc = await openCompiler({ mounts, workDir: out });

  // Profiles that build the same core (features, optimisation, -D flags) share one build.
  const sameCore = (p) => `${p.features.join(',')}|${p.optimize ?? ''}|${profileDefines(p, limits.limits).join(' ')}`;
  const byCore = new Map();
  for (const p of profiles) byCore.set(sameCore(p), [...(byCore.get(sameCore(p)) ?? []), p]);
  for (const [key, group] of byCore) {
    // The work folder is named after the first profile in the table with this
    // core, whichever profiles MH_PROFILE selects, so objects are reused.
    const workDir = join(out, PROFILES.find((p) => sameCore(p) === key).name);
    const built = await buildCore(cc, mounts, group[0], workDir);
    for (const profile of group) {
      copyFileSync(built.file, join(out, profile.output));
      const info = readWasm(readFileSync(join(out, profile.output)));
      console.log(`[build] build/${profile.output} (profile ${profile.name}): ${statSync(built.file).size} bytes, ` +
        `memory ${info.memories[0].min} pages, __heap_base ${built.heapBase}`);
    }
  }
  await cc.close();
  writeFileSync(join(out, 'compiler'), cc.label);
  if (process.argv.includes('--update-hashes')) updateHashes(cc);

  step('compiling the Node host (tsc)');
  run(bin('tsc'), ['-p', join(root, 'tsconfig.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  chmodSync(join(root, 'dist', 'cli.js'), 0o755);
}

/** Writes cores.sha256 from the cores just built; only a complete pinned build may. */
function updateHashes(cc) {
  if (!cc.pinned) throw new Error('--update-hashes needs the pinned compiler: unset CLANG (docs/build.md)');
  if (process.env.MH_PROFILE) throw new Error('--update-hashes needs every core: unset MH_PROFILE');
  writeFileSync(join(root, HASH_FILE), formatHashes(coreHashes(root)));
  step(`wrote ${HASH_FILE}`);
}

/** Builds the core of one profile in dir; returns the file and its __heap_base. */
async function buildCore(cc, mounts, profile, dir) {
  const flags = toolFlags(profile.features);
  const stackBytes = profile.stackBytes ?? limits.stackBytes;
  step(`compiling C (${cc.label}) for profile ${profile.name}: ${profile.features.join(', ')}`);
  const cflags = coreCFlags(profile, limits.limits);
  // Built for size in every profile: state machines, codecs and
  // once-per-connection code (crypto dominates a handshake, and they are half
  // the code), and the crypto of rare paths: P-256 and P-384 key exchange
  // (servers without X25519) and client-certificate signatures. BearSSL's
  // big-integer code serves only those rare paths now that RSA verification
  // is ours (tls/crypto/rsa_public.c): built for size too, except the three
  // field operations P-384's arithmetic loops on. Ciphers, hashes, X25519,
  // RSA verification and our tls/crypto/ are built for speed, unless the
  // profile asks for size everywhere.
  const bySize = [
    ...['ssl', 'x509', 'codec'].map((d) => `bearssl/src/${d}/`),
    ...['ec_p256_m31.c', 'ec_prime_i31.c', 'ecdsa_i31_sign_asn1.c', 'ecdsa_i31_sign_raw.c'].map((f) => `bearssl/src/ec/${f}`),
    ...['rsa_i31_priv.c', 'rsa_i31_pkcs1_sign.c'].map((f) => `bearssl/src/rsa/${f}`),
    ...['bitlen', 'decmod', 'decode', 'decred', 'encode', 'fmont', 'iszero', 'moddiv', 'modpow', 'modpow2', 'mulacc', 'muladd', 'ninv31', 'reduce', 'rshift', 'tmont']
      .map((f) => `bearssl/src/int/i31_${f}.c`),
    'tls/',
  ];
  const forSize = (src) => profile.optimize === 'size' ||
    (bySize.some((prefix) => src.startsWith(prefix)) && !src.startsWith('tls/crypto/'));
  // X25519 (BearSSL's m31 ladder) unrolled and fully inlined is 7 KB of the
  // full core; with a low inlining threshold it is 3 KB smaller and about 5%
  // slower (about 10 us of a handshake's two multiplications)
  const lessInlined = ['bearssl/src/ec/ec_c25519_m31.c'];
  const optimizeFlags = (src) => (forSize(src) ? ['-Oz'] : lessInlined.includes(src) ? ['-O2', '-mllvm', '-inline-threshold=50'] : ['-O2']);
  const ours = cFiles(mounts, 'tls');
  const bearssl = cFiles(mounts, 'bearssl', 'src');
  const compile = (sources) => compileC(cc, mounts, [...ours, ...sources], cflags, optimizeFlags, join(dir, 'obj'));
  let objects = await compile(neededBearssl(ours, bearssl, 'bearssl/src/inner.h', (f) => hostPath(mounts, f)));

  // Pass 1 learns where C's static data ends; AssemblyScript's data goes
  // right after it; pass 2 sizes the one memory to hold both exactly.
  step('linking C (pass 1)');
  try {
    await linkC(cc, objects, stackBytes, 0, join(dir, 'tls.wasm'));
  } catch {
    step('a name was left undefined: compiling all of BearSSL');
    objects = await compile(bearssl);
    await linkC(cc, objects, stackBytes, 0, join(dir, 'tls.wasm'));
  }
  const cHeapBase = heapBaseOf(join(dir, 'tls.wasm'));

  step('compiling AssemblyScript');
  // asconfig.json holds the compiler options; the memory base, output and features are set here.
  run(bin('asc'), ['--config', 'asconfig.json', '--target', 'release', '--memoryBase', String(cHeapBase),
    ...(profile.optimize === 'size' ? ['--shrinkLevel', '2'] : []),
    '--outFile', join(dir, 'http.wasm'), ...flags.asc]);
  const asEnd = staticDataEnd(readWasm(readFileSync(join(dir, 'http.wasm'))));
  const heapBase = Math.ceil(Math.max(cHeapBase, asEnd) / 16) * 16;
  const memoryBytes = Math.ceil(heapBase / PAGE) * PAGE;

  step('linking C (pass 2)');
  await linkC(cc, objects, stackBytes, memoryBytes, join(dir, 'tls.wasm'));

  step('merging and optimising');
  run(bin('wasm-merge'), [join(dir, 'tls.wasm'), 'env', join(dir, 'http.wasm'), 'http', '-o', join(dir, 'merged.wasm'),
    ...flags.merge, '--skip-export-conflicts', ...(process.env.MH_KEEP_NAMES === '1' ? ['-g'] : [])]);
  const file = join(dir, 'microhttps.wasm');
  await finalize(join(dir, 'merged.wasm'), file, heapBase, flags.binaryen, profile.optimize === 'size' ? 2 : 1);
  return { file, heapBase };
}

/** Keeps only the ABI's exports, points __heap_base at the true end of static data, optimises. */
async function finalize(input, output, heapBase, features, shrinkLevel) {
  const { default: binaryen } = await import('binaryen');
  const m = binaryen.readBinary(readFileSync(input));
  m.setFeatures(features.reduce((mask, f) => mask | binaryen.Features[f], binaryen.Features.MVP));
  const names = [];
  for (let i = 0; i < m.getNumExports(); i++) names.push(binaryen.getExportInfo(m.getExportByIndex(i)).name);
  for (const name of names) if (!name.startsWith('mh_') && name !== 'memory') m.removeExport(name);
  writeGlobalsTransfer(binaryen, m);
  // WAMR trims linear memory to __heap_base when __heap_base and __data_end are
  // exported and no memory.grow/memory.size exists: both must cover C and
  // AssemblyScript data, and nothing is used above them.
  m.addGlobal('mh_heap_base', binaryen.i32, false, m.i32.const(heapBase));
  m.addGlobalExport('mh_heap_base', '__heap_base');
  m.addGlobal('mh_data_end', binaryen.i32, false, m.i32.const(heapBase));
  m.addGlobalExport('mh_data_end', '__data_end');
  // MH_KEEP_NAMES=1 keeps the name section, so that profilers name wasm functions
  binaryen.setDebugInfo(process.env.MH_KEEP_NAMES === '1');
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(shrinkLevel);
  m.optimize();
  if (!m.validate()) throw new Error('final module does not validate');
  writeFileSync(output, m.emitBinary());
  m.dispose();
}

/** The mutable globals, in module order: what mh_globals_save/load cover. */
function mutableGlobals(binaryen, m) {
  const out = [];
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (!g.mutable) continue;
    if (g.module) throw new Error(`imported mutable global ${g.module}.${g.base}: mh_globals_save cannot cover it`);
    if (g.type !== binaryen.i32 && g.type !== binaryen.i64) throw new Error(`global ${g.name} is neither i32 nor i64`);
    out.push(g);
  }
  return out;
}

/** Replaces the AssemblyScript placeholder exported as name with a function of the given body. */
function replaceExport(binaryen, m, name, params, result, body) {
  if (!m.getExport(name)) throw new Error(`the core has no ${name} export`);
  m.removeExport(name);
  m.addFunction(`${name}_generated`, params, result, [], body);
  m.addFunctionExport(`${name}_generated`, name);
}

/**
 * mh_globals_save(ptr) / mh_globals_load(ptr): every mutable global (C's and
 * AssemblyScript's) to or from GLOBAL_SLOT_BYTES-byte slots at ptr, so a
 * host can park an idle connection's whole state (globals and a memory diff)
 * and bring it back on another instance of the same module.
 */
function writeGlobalsTransfer(binaryen, m) {
  const globals = mutableGlobals(binaryen, m);
  const ptr = () => m.local.get(0, binaryen.i32);
  const wide = (g) => g.type === binaryen.i64;
  const save = globals.map((g, i) => (wide(g) ? m.i64 : m.i32).store(i * GLOBAL_SLOT_BYTES, wide(g) ? 8 : 4, ptr(), m.global.get(g.name, g.type)));
  save.push(m.return(m.i32.const(globals.length * GLOBAL_SLOT_BYTES)));
  replaceExport(binaryen, m, 'mh_globals_save', binaryen.createType([binaryen.i32]), binaryen.i32, m.block(null, save, binaryen.i32));
  const load = globals.map((g, i) => m.global.set(g.name, wide(g)
    ? m.i64.load(i * GLOBAL_SLOT_BYTES, 8, ptr())
    : m.i32.load(i * GLOBAL_SLOT_BYTES, 4, ptr())));
  replaceExport(binaryen, m, 'mh_globals_load', binaryen.createType([binaryen.i32]), binaryen.none, m.block(null, load, binaryen.none));
}

const GLOBAL_SLOT_BYTES = 8;

main().catch((err) => {
  console.error(`[build] ${err.message}`);
  process.exit(1);
});
