// The C compiler of the build and of the crypto test harness. By default the
// pinned @yowasp/clang from devDependencies (clang and wasm-ld compiled to
// wasm): the same compiler bytes on every machine, so the same .wasm bytes,
// and no system toolchain. CLANG=<native clang> (with its wasm-ld on PATH) is
// faster but gives other bytes (docs/build.md).
//
// Sources are named by paths relative to mount points (`bearssl/src/...`,
// `tls/...`), never by absolute paths: the pinned compiler sees a virtual
// file system holding just the mounts, and a native clang runs in a folder of
// symlinks to them, so no checkout path can reach an object file.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const PINNED = '@yowasp/clang';

/**
 * A compiler over `mounts` ({ name: host folder }); workDir holds what it
 * needs on disk. compile() and link() take arguments in mount-relative paths
 * and write host files. close() when done.
 */
export async function openCompiler({ mounts, workDir, jobs = Number(process.env.MH_JOBS) || cpus().length }) {
  return process.env.CLANG ? nativeCompiler(process.env.CLANG, mounts, workDir, jobs) : pinnedCompiler(mounts, jobs);
}

/** Names the compiler openCompiler would use, without starting it. */
export function compilerLabel() {
  return process.env.CLANG ? `${process.env.CLANG} (CLANG, native: other bytes than the pinned compiler)` : pinnedLabel();
}

/** The pinned compiler and its version, from its package.json. */
export function pinnedLabel() {
  const pkg = JSON.parse(readFileSync(new URL(`../node_modules/${PINNED}/package.json`, import.meta.url), 'utf8'));
  return `${PINNED} ${pkg.version} (pinned)`;
}

function pinnedCompiler(mounts, jobs) {
  // One worker per job: each compiles the compiler's wasm once and keeps it
  // for every later file (a fresh process per file would pay that each time).
  const idle = Array.from({ length: jobs }, () => new Worker(new URL('./clang-worker.mjs', import.meta.url), { workerData: { mounts } }));
  const waiting = [];
  const call = (request) => new Promise((resolve, reject) => {
    const go = (worker) => {
      worker.once('message', (reply) => {
        const next = waiting.shift();
        if (next) next(worker); else idle.push(worker);
        if (reply.error) reject(new Error(reply.error)); else resolve(reply.output);
      });
      worker.postMessage(request);
    };
    const worker = idle.pop();
    if (worker) go(worker); else waiting.push(go);
  });
  return {
    label: compilerLabel(),
    pinned: true,
    async compile(args, src, objFile) {
      writeFileSync(objFile, await call({ kind: 'compile', flags: args, src, output: 'out.o' }));
    },
    async link(args, objFiles, outFile) {
      const objects = Object.fromEntries(objFiles.map((f) => [basename(f), readFileSync(f)]));
      const names = objFiles.map((f) => `obj/${basename(f)}`);
      writeFileSync(outFile, await call({ kind: 'link', args: [...args, ...names, '-o', 'out.wasm'], output: 'out.wasm', objects }));
    },
    close: () => Promise.all(idle.map((w) => w.terminate())),
  };
}

function nativeCompiler(clang, mounts, workDir, jobs) {
  // the mounts as symlinks, so that mount-relative paths work unchanged
  const cwd = join(workDir, 'mounts');
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  for (const [name, dir] of Object.entries(mounts)) {
    mkdirSync(join(cwd, name, '..'), { recursive: true });
    symlinkSync(dir, join(cwd, name));
  }
  // at most `jobs` compilers at a time
  let running = 0;
  const waiting = [];
  const run = async (args) => {
    if (running >= jobs) await new Promise((go) => waiting.push(go));
    running++;
    try {
      await new Promise((resolve, reject) => {
        const p = spawn(clang, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('error', (err) => reject(new Error(`CLANG=${clang}: ${err.message}`)));
        p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${clang} ${args.slice(-3).join(' ')} failed (exit ${code})`))));
      });
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  return {
    label: compilerLabel(),
    pinned: false,
    compile: (args, src, objFile) => run([...args, '-c', src, '-o', objFile]),
    link: (args, objFiles, outFile) => run([...args, ...objFiles, '-o', outFile]),
    close: async () => {},
  };
}
