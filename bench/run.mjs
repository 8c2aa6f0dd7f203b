// `npm run bench`: every workload, a console table, bench/results/<date>-<host>.json
// and a regenerated bench/report.md. `npm run bench -- --quick`: the
// deterministic figures (code size, the core's memory bytes), checked against
// bench/budgets.json, plus one smoke round of the TLS 1.3 rows and of the
// round trips (their figures are not published); exits non-zero when a budget
// is exceeded or a check fails. Nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs, machineInfo, benchPki, startServers, printTable, benchDir, root } from './harness.mjs';
import { renderReport, headlines } from './report.mjs';
import * as size from './size.bench.mjs';
import * as memory from './memory.bench.mjs';
import * as parse from './parse.bench.mjs';
import * as https from './https.bench.mjs';
import * as crypto from './crypto.bench.mjs';
import * as rtt from './rtt.bench.mjs';

// deterministic workloads first; quick mode runs those and smoke-tests https and rtt
const WORKLOADS = { size, memory, parse, https, rtt, crypto };

const NOISE_NOTE = 'This machine is a shared 2-vCPU virtual machine; other engineers were compiling on it during the run, ' +
  'so throughput and rate figures are noisy (easily ±20%) and ratios between clients measured moments apart are the more meaningful numbers. ' +
  'Memory and code-size figures are exact.';

function checkBudgets(sections) {
  const budgets = JSON.parse(readFileSync(join(benchDir, 'budgets.json'), 'utf8')).budgets;
  const measured = Object.assign({}, ...Object.values(sections).map((s) => s.budgeted));
  return Object.entries(budgets).map(([key, { max }]) => {
    if (!(key in measured)) throw new Error(`bench/budgets.json bounds ${key}, which no workload measures`);
    return { key, value: measured[key], max, ok: measured[key] <= max };
  });
}

function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'assembly', 'tls', 'host', 'spec', 'tools', 'bench/*.mjs'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

async function main() {
  const { quick } = parseArgs();
  const started = Date.now();
  const machine = machineInfo();
  console.log(`[bench] ${quick ? 'quick' : 'full'} run on ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}`);
  const pki = benchPki();
  const servers = await startServers(pki);
  const env = { ports: servers.ports, ca: pki.ca, pki };
  const sections = {};
  try {
    for (const [key, workload] of Object.entries(WORKLOADS)) {
      const t0 = Date.now();
      const s = await workload.run({ quick, env, previous: sections });
      if (!s) continue;
      sections[key] = s;
      for (const t of s.tables) printTable(t);
      console.log(`[bench] ${key}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await servers.stop();
    pki.cleanup();
  }

  const budgets = checkBudgets(sections);
  const checks = Object.values(sections).flatMap((s) => s.checks);
  printTable({ title: 'Budgets (bench/budgets.json)', head: ['figure', 'value', 'max', 'status'], rows: budgets.map((b) => [b.key, b.value, b.max, b.ok ? 'ok' : 'EXCEEDED']) });
  for (const c of checks) console.log(`[bench] check ${c.ok ? 'ok' : 'FAILED'}: ${c.name}${c.ok ? '' : ` (${c.detail})`}`);

  const results = {
    date: new Date().toISOString(), mode: quick ? 'quick' : 'full', commit: commit(), machine, noiseNote: NOISE_NOTE,
    durationSec: (Date.now() - started) / 1000, loadAverageAtEnd: loadavg()[0], budgets, sections,
  };
  if (!quick) {
    console.log('\nHeadlines:\n' + headlines(results).map((h) => `  ${h}`).join('\n'));
    mkdirSync(join(benchDir, 'results'), { recursive: true });
    const host = machine.host.replace(/[^A-Za-z0-9.-]/g, '_');
    const file = join(benchDir, 'results', `${results.date.slice(0, 10)}-${host}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    const report = renderReport(results, file);
    console.log(`[bench] wrote ${relative(root, file)} and ${relative(root, report)}`);
  }
  console.log(`[bench] done in ${results.durationSec.toFixed(1)} s`);
  const failed = budgets.filter((b) => !b.ok).length + checks.filter((c) => !c.ok).length;
  if (failed) {
    console.error(`[bench] ${failed} budget(s) or check(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`[bench] ${err.stack ?? err}`);
  process.exitCode = 1;
});
