// Builds build/microhttps.wasm: BearSSL and our C under tls/ with clang (freestanding
// wasm32), assembly/ with asc on top of the same linear memory, joined by
// wasm-merge, then trimmed to the documented ABI and optimised. Then the Node
// host's TypeScript. `npm install` runs this through the "prepare" script.
// Each build profile (tools/profiles.mjs) is a binary with its own wasm
// feature set; profiles with the same features share one build.
//
// Environment: BEARSSL_SRC (an unpacked BearSSL 0.6 tree), CLANG (compiler),
// MH_JOBS (parallel C compiles), MH_PROFILE (comma-separated profiles to
// build; default: all), MH_KEEP_NAMES=1 (keep function names, for profiling).
import { spawnSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWasm, staticDataEnd, exportedGlobal } from './wasm-reader.mjs';
import { PROFILES, profileDefines, selectProfiles, toolFlags } from './profiles.mjs';

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

function findClang() {
  for (const c of [process.env.CLANG, 'clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'].filter(Boolean)) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) {
      const ld = spawnSync('wasm-ld', ['--version'], { encoding: 'utf8' });
      const ldVersioned = spawnSync(`wasm-ld-${c.split('-')[1] ?? ''}`, ['--version'], { encoding: 'utf8' });
      if (ld.status === 0 || ldVersioned.status === 0) return c;
    }
  }
  console.error(
    '\nmicrohttps needs clang and lld (wasm-ld) to build its WebAssembly core.\n' +
    'On Debian or Ubuntu:\n\n    sudo apt-get install -y clang lld\n\n' +
    'Then run `npm install` again. (Any clang >= 14 with the wasm32 target works; set CLANG to pick one.)\n');
  process.exit(1);
}

/** Every .c file below dir. */
function cFiles(dir) {
  return readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.c')).map((f) => join(dir, f));
}

/** Compiles the C sources to objects, MH_JOBS at a time, skipping fresh objects. */
async function compileC(clang, sources, flags, optimizeFlag, objDir) {
  // objects are stale when a header, the spec or the flags' source (this file,
  // the profile table) is newer
  const buildFiles = [join(root, 'tools', 'build.mjs'), join(root, 'tools', 'profiles.mjs')].map((f) => statSync(f).mtimeMs);
  const headers = Math.max(...buildFiles, ...[join(root, 'tls'), join(root, 'spec')].flatMap((d) =>
    readdirSync(d, { recursive: true }).map((f) => statSync(join(d, f)).mtimeMs)));
  const jobs = Number(process.env.MH_JOBS) || cpus().length;
  const objects = [];
  const queue = sources.map((src) => {
    const obj = join(objDir, relative(root, src).replace(/[\\/]/g, '_').replace(/\.c$/, '.o'));
    objects.push(obj);
    return { src, obj };
  }).filter(({ src, obj }) => !existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, headers));
  mkdirSync(objDir, { recursive: true });
  let failed = null;
  const worker = async () => {
    while (queue.length && !failed) {
      const { src, obj } = queue.shift();
      await new Promise((resolve) => {
        const p = spawn(clang, [optimizeFlag(src), ...flags, '-c', src, '-o', obj], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('close', (code) => { if (code !== 0) failed = src; resolve(); });
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  if (failed) throw new Error(`compiling ${failed} failed`);
  return objects;
}

function linkC(clang, objects, stackBytes, memoryBytes, output) {
  const args = [
    '--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-Wl,--stack-first',
    `-Wl,-z,stack-size=${stackBytes}`, '-Wl,--export=__heap_base', '-Wl,--gc-sections',
    '-Wl,--strip-debug', ...objects, '-o', output,
  ];
  if (memoryBytes) args.push(`-Wl,--initial-memory=${memoryBytes}`, `-Wl,--max-memory=${memoryBytes}`);
  run(clang, args);
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

  const clang = findClang();
  step('obtaining BearSSL sources');
  const bearssl = run('sh', [join(root, 'tools', 'fetch-bearssl.sh'), join(out, 'bearssl')]).trim().split('\n').pop();
  const brRoot = bearssl.startsWith('/') ? bearssl : join(root, bearssl);

  // Profiles that build the same core (features, optimisation, -D flags) share one build.
  const sameCore = (p) => `${p.features.join(',')}|${p.optimize ?? ''}|${profileDefines(p, limits.limits).join(' ')}`;
  const byCore = new Map();
  for (const p of profiles) byCore.set(sameCore(p), [...(byCore.get(sameCore(p)) ?? []), p]);
  for (const [key, group] of byCore) {
    // The work folder is named after the first profile in the table with this
    // core, whichever profiles MH_PROFILE selects, so objects are reused.
    const workDir = join(out, PROFILES.find((p) => sameCore(p) === key).name);
    const built = await buildCore(clang, brRoot, group[0], workDir);
    for (const profile of group) {
      copyFileSync(built.file, join(out, profile.output));
      const info = readWasm(readFileSync(join(out, profile.output)));
      console.log(`[build] build/${profile.output} (profile ${profile.name}): ${statSync(built.file).size} bytes, ` +
        `memory ${info.memories[0].min} pages, __heap_base ${built.heapBase}`);
    }
  }

  step('compiling the Node host (tsc)');
  run(bin('tsc'), ['-p', join(root, 'tsconfig.json')], { stdio: ['ignore', 'inherit', 'inherit'] });
  chmodSync(join(root, 'dist', 'cli.js'), 0o755);
}

/** Builds the core of one profile in dir; returns the file and its __heap_base. */
async function buildCore(clang, brRoot, profile, dir) {
  const flags = toolFlags(profile.features);
  const stackBytes = profile.stackBytes ?? limits.stackBytes;
  step(`compiling C (${clang}) for profile ${profile.name}: ${profile.features.join(', ')}`);
  const cflags = [
    '--target=wasm32', ...flags.clang, '-ffreestanding', '-nostdlib',
    '-ffunction-sections', '-fdata-sections', '-fvisibility=hidden',
    '-isystem', join(root, 'tls', 'libc', 'include'), '-I', join(brRoot, 'inc'), '-I', join(brRoot, 'src'), '-I', join(root, 'tls'), '-I', join(root, 'include'),
    // BearSSL must never reach for OS time or randomness (hosts supply both),
    // nor for 128-bit multiplies, which would need a compiler runtime.
    '-DBR_USE_URANDOM=0', '-DBR_INT128=0', '-DBR_UMUL128=0', '-DBR_USE_WIN32_RAND=0', '-DBR_RDRAND=0', '-DBR_USE_UNIX_TIME=0', '-DBR_USE_WIN32_TIME=0',
    '-Wall', '-Wno-unused-function',
    // a call to an undeclared function links as a trap in wasm: never let one through
    '-Werror=implicit-function-declaration',
    ...profileDefines(profile, limits.limits),
  ];
  // Built for size in every profile: state machines, codecs and
  // once-per-connection code (crypto dominates a handshake, and they are half
  // the code), and the crypto of rare paths: P-256 and P-384 key exchange
  // (servers without X25519) and client-certificate signatures. Ciphers,
  // hashes, X25519, RSA verification and our tls/crypto/ are built for speed,
  // unless the profile asks for size everywhere.
  const bySize = [
    ...['ssl', 'x509', 'codec'].map((d) => join(brRoot, 'src', d) + '/'),
    ...['ec_p256_m31.c', 'ec_prime_i31.c', 'ecdsa_i31_sign_asn1.c', 'ecdsa_i31_sign_raw.c'].map((f) => join(brRoot, 'src', 'ec', f)),
    ...['rsa_i31_priv.c', 'rsa_i31_pkcs1_sign.c'].map((f) => join(brRoot, 'src', 'rsa', f)),
    join(root, 'tls') + '/',
  ];
  const forSize = (src) => profile.optimize === 'size' ||
    (bySize.some((prefix) => src.startsWith(prefix)) && !src.startsWith(join(root, 'tls', 'crypto') + '/'));
  const optimizeFlag = (src) => (forSize(src) ? '-Oz' : '-O2');
  const objects = await compileC(clang, [...cFiles(join(brRoot, 'src')), ...cFiles(join(root, 'tls'))], cflags, optimizeFlag, join(dir, 'obj'));

  // Pass 1 learns where C's static data ends; AssemblyScript's data goes
  // right after it; pass 2 sizes the one memory to hold both exactly.
  step('linking C (pass 1)');
  linkC(clang, objects, stackBytes, 0, join(dir, 'tls.wasm'));
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
  linkC(clang, objects, stackBytes, memoryBytes, join(dir, 'tls.wasm'));

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

main().catch((err) => {
  console.error(`[build] ${err.message}`);
  process.exit(1);
});
