// Shared by every workload in bench/: command line, machine facts, a test PKI,
// the loopback servers (in a child process, so server CPU is not charged to
// the client under test), tinybench runs, and the shape of a workload's result.
import { fork } from 'node:child_process';
import { cpus, hostname, totalmem, release, platform, arch, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';
import { makePki } from '../devkit/pki.mjs';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = join(benchDir, '..');
export const MiB = 1024 * 1024;
export const KiB = 1024;

/** `npm run bench [-- --quick]`: quick mode runs only deterministic figures. */
export function parseArgs(argv = process.argv.slice(2)) {
  const known = new Set(['--quick']);
  for (const a of argv) if (!known.has(a)) throw new Error(`unknown option ${a} (known: ${[...known].join(', ')})`);
  return { quick: argv.includes('--quick') };
}

export function machineInfo() {
  const cpu = cpus();
  return {
    host: hostname(),
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverageAtStart: loadavg()[0],
  };
}

/** A root CA with an ECDSA P-256 and an RSA-2048 leaf for "localhost". */
export function benchPki() {
  const pki = makePki({ cn: 'microhttps bench root' });
  return {
    ca: pki.root.certPem,
    ecdsa: pki.issueLeaf({ dns: ['localhost'], key: 'ec-p256' }),
    rsa: pki.issueLeaf({ dns: ['localhost'], key: 'rsa-2048' }),
    cleanup: () => pki.cleanup(),
  };
}

/**
 * Starts bench/server.mjs in a child process; resolves to its ports by name
 * (see that file) and a stop() that ends the child.
 */
export async function startServers(pki) {
  const child = fork(join(benchDir, 'server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server exited early (code ${code})`)));
    child.once('message', resolve);
    child.send({ ecdsa: pki.ecdsa, rsa: pki.rsa });
  });
  child.removeAllListeners('exit');
  return {
    ports,
    stop: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Runs tasks ({name: fn}) with tinybench in `rounds` rounds that alternate
 * the order of the tasks, and keeps each task's best round (lowest mean
 * latency): on a shared machine, load from other processes comes and goes,
 * and the best round is the one least disturbed by it. `time` and
 * `iterations` are totals over the rounds.
 */
export async function measure(tasks, { time = 1000, iterations = 5, warmupTime = 200, warmupIterations = 2, async = false, rounds = 3 } = {}) {
  const best = {};
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: time / rounds, iterations: Math.max(1, Math.ceil(iterations / rounds)),
      warmup: round === 0, warmupTime, warmupIterations, throws: true,
    });
    const entries = Object.entries(tasks);
    if (round % 2) entries.reverse();
    // tinybench only awaits functions it can see are async: wrap promise-returning ones
    for (const [name, fn] of entries) bench.add(name, async ? async () => { await fn(); } : fn);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`bench task ${task.name}: ${r.state} ${r.error?.message ?? ''}`);
      const stats = {
        opsPerSec: r.throughput.mean,
        meanMs: r.latency.mean,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        rme: r.latency.rme,
        samples: r.latency.samplesCount,
        round,
      };
      if (!best[task.name] || stats.meanMs < best[task.name].meanMs) best[task.name] = stats;
    }
  }
  return best;
}

/**
 * Runs a() and b() alternately `rounds` times and returns each one's times in
 * ms (min and median). Alternating keeps load from other processes from
 * landing on one side only, which matters when one time is subtracted from
 * the other.
 */
export async function paired(a, b, rounds) {
  const times = { a: [], b: [] };
  for (let i = 0; i < rounds; i++) {
    for (const [side, fn] of [['a', a], ['b', b]]) {
      const t0 = performance.now();
      await fn();
      times[side].push(performance.now() - t0);
    }
  }
  const summary = (t) => {
    t.sort((x, y) => x - y);
    return { minMs: t[0], medianMs: t[Math.floor(t.length / 2)], rounds: t.length };
  };
  return { a: summary(times.a), b: summary(times.b) };
}

export const mbps = (bytes, ms) => bytes / MiB / (ms / 1000);
export const ratio = (ours, theirs) => (ours && theirs ? ours / theirs : null);

/** Number formatting shared by the console table and the report. */
export function fmt(v, digits = 1) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtRatio = (r) => (r === null || r === undefined ? '—' : `${r.toFixed(2)}×`);

/**
 * What every workload returns: raw figures for the JSON, tables for the
 * console and the report, charts for the report, and deterministic figures
 * that bench/budgets.json may bound, and invariants (`checks`) that must hold.
 */
export function section(title, { note = '', figures = {}, tables = [], charts = [], budgeted = {}, checks = [] } = {}) {
  return { title, note, figures, tables, charts, budgeted, checks };
}

export function printTable({ title, head, rows }) {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c)));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Runs the garbage collector when node was started with --expose-gc. */
export function gc() {
  if (globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
}

/** The bench server's counters (see bench/server.mjs). */
export async function serverStats(ports) {
  const res = await fetch(`http://127.0.0.1:${ports.plain}/stats`);
  return res.json();
}
