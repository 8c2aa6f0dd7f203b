// Builds build/engine-test/<key>.wasm: the TLS 1.3 engine as the portable
// core has it, driven by test/engine/engine_harness.c. It links the objects
// the core build compiled (build/portable/obj: tls/ and the BearSSL files it
// names) except three: core_exports.c (the ABI, for the AssemblyScript
// layer), core/wasi.c (the harness scripts entropy and the clock instead)
// and tls13/client_hello.c, compiled again with -DMH_TEST_HOOKS=1 so that a
// recorded ClientHello can replace the engine's (tls13_test_replay_hello).
// So the hook is in this module only, never in a core, and only two files
// are compiled here. It needs `npm run build` first, by the same compiler
// (tools/clang.mjs: the pinned one unless CLANG is set).
//
// Run as a script, like crypto-wasm.mjs: builds unless a build of the same
// inputs exists and prints its path.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = fileURLToPath(import.meta.url);
const PROFILE = 'portable';
const objDir = join(root, 'build', PROFILE, 'obj');
const REPLACED = ['tls/core/core_exports.c', 'tls/core/wasi.c', 'tls/tls13/client_hello.c'];

/** Compiles (once per inputs) and instantiates the engine harness. */
export function loadEngineHarness() {
  const file = execFileSync(process.execPath, [here, 'build'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim().split('\n').pop();
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
  const mem = () => new Uint8Array(exports.memory.buffer, exports.ht_engine_scratch(), 1 << 17);
  return { x: exports, mem };
}

/** The core build's objects this module links, as the build names them (tools/build.mjs). */
async function coreObjects(mounts) {
  const { neededBearssl } = await import('../../tools/bearssl-deps.mjs');
  const cFiles = (mount, sub) => readdirSync(join(mounts[mount], sub), { recursive: true }).filter((f) => f.endsWith('.c')).sort()
    .map((f) => [mount, sub, f].filter(Boolean).join('/'));
  const hostPath = (rel) => join(mounts[rel.split('/')[0]], rel.slice(rel.indexOf('/') + 1));
  const ours = cFiles('tls', '');
  const bearssl = neededBearssl(ours, cFiles('bearssl', 'src'), 'bearssl/src/inner.h', hostPath);
  return [...ours.filter((f) => !REPLACED.includes(f)), ...bearssl].map((src) => join(objDir, src.replace(/[\\/]/g, '_').replace(/\.c$/, '.o')));
}

async function build() {
  const { compilerLabel, openCompiler } = await import('../../tools/clang.mjs');
  const { PROFILES, coreCFlags } = await import('../../tools/profiles.mjs');
  const stamp = join(objDir, 'compiler');
  if (!existsSync(stamp)) throw new Error(`no ${PROFILE} core objects in ${objDir}: run npm run build first`);
  if (readFileSync(stamp, 'utf8') !== compilerLabel()) {
    throw new Error(`${objDir} was built by ${readFileSync(stamp, 'utf8')}, not ${compilerLabel()}: build and test with the same compiler (CLANG)`);
  }
  const bearsslOut = execFileSync('sh', [join(root, 'tools', 'fetch-bearssl.sh'), join(root, 'build', 'bearssl')], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  const mounts = {
    bearssl: bearsslOut.startsWith('/') ? bearsslOut : join(root, bearsslOut),
    tls: join(root, 'tls'), include: join(root, 'include'), harness: join(root, 'test', 'engine'),
  };
  const limits = JSON.parse(readFileSync(join(root, 'spec', 'limits.json'), 'utf8')).limits;
  const flags = ['-O2', ...coreCFlags(PROFILES.find((p) => p.name === PROFILE), limits), '-DMH_TEST_HOOKS=1'];
  const sources = ['harness/engine_harness.c', 'tls/tls13/client_hello.c'];
  const objects = await coreObjects(mounts);
  const missing = objects.filter((o) => !existsSync(o));
  if (missing.length) throw new Error(`the ${PROFILE} core build lacks ${missing.length} objects (${missing[0]}...): run npm run build`);
  // objects older than a tls/ source or header would mix two layouts of the engine's state
  const newest = Math.max(...readdirSync(mounts.tls, { recursive: true }).map((f) => statSync(join(mounts.tls, f)).mtimeMs));
  const stale = objects.filter((o) => o.includes(`${join('obj', 'tls_')}`) && statSync(o).mtimeMs < newest);
  if (stale.length) throw new Error(`the ${PROFILE} core objects are older than tls/ (${stale[0]}...): run npm run build`);

  const h = createHash('sha256').update(`${compilerLabel()}\n${flags.join(' ')}\n`);
  for (const f of [...sources.map((s) => join(mounts[s.split('/')[0]], s.slice(s.indexOf('/') + 1))), ...objects]) h.update(f).update(readFileSync(f));
  for (const m of ['tls', 'include']) {
    for (const f of readdirSync(mounts[m], { recursive: true }).filter((n) => n.endsWith('.h')).sort()) h.update(f).update(readFileSync(join(mounts[m], f)));
  }
  const outDir = join(root, 'build', 'engine-test');
  const output = join(outDir, `${h.digest('hex').slice(0, 16)}.wasm`);
  if (!existsSync(output)) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(join(outDir, 'obj'), { recursive: true });
    const own = sources.map((s) => join(outDir, 'obj', s.replace(/\//g, '_').replace(/\.c$/, '.o')));
    const cc = await openCompiler({ mounts, workDir: outDir });
    try {
      await Promise.all(sources.map((s, i) => cc.compile(flags, s, own[i])));
      await cc.link(['--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-Wl,--gc-sections'], [...own, ...objects], output);
    } finally {
      await cc.close();
    }
    rmSync(join(outDir, 'obj'), { recursive: true });
  }
  console.log(output);
}

// `node --test test/` also runs this file, with no argument: then it does nothing
if (process.argv[1] === here && process.argv[2] === 'build') {
  build().catch((err) => {
    console.error(`engine harness: ${err.message}`);
    process.exit(1);
  });
}
