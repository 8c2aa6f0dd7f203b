// Memory: the core's own figures (Core.memoryReport(), bytes the core carved
// or touched, deterministic for a given build and limits) for single GETs and
// for streams of very different sizes, which must leave identical figures;
// and the process RSS each idle keep-alive connection costs, ours vs
// node:https vs undici, each measured in a fresh process.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { section, fmt, fmtRatio, ratio, MiB, KiB, benchDir } from './harness.mjs';
import { oursClient } from './clients.mjs';

/** Layers of the core's linear memory, bottom to top, from a memoryReport(). */
export function memoryLayers(m) {
  const arenaNamed = m.IO_BUFFER + m.HEAD_BUFFER + m.REQUEST_HEAD + m.XFER_WINDOW;
  return [
    ['stack peak', m.STACK_PEAK],
    ['stack unused', m.STACK_SIZE - m.STACK_PEAK],
    ['TLS state (static)', m.TLS_STATE],
    ['other static data', m.STATIC_DATA - m.TLS_STATE],
    ['TLS/IO buffer', m.IO_BUFFER],
    ['response head buffer + index', m.HEAD_BUFFER],
    ['request head buffer', m.REQUEST_HEAD],
    ['transfer window', m.XFER_WINDOW],
    // the rest of what mh_init carved is the trust store's reservation
    ['trust store (reserved)', m.ARENA_USED - arenaNamed],
    ['arena not carved', m.ARENA_SIZE - m.ARENA_USED],
  ];
}

async function coreFigures(ca, port, path, expectBytes, options = {}) {
  // a full handshake every time: a resumed one skips the certificates (no anchors, less stack)
  const k = await oursClient(ca).keepAlive(port, { ...options, sessionCache: false });
  try {
    const got = await k.get(path);
    if (got !== expectBytes) throw new Error(`${path}: ${got} bytes`);
    return { report: k.conn.core.memoryReport(), linearMemoryBytes: k.conn.core.x.memory.buffer.byteLength, tls: k.conn.tlsInfo };
  } finally {
    await k.close();
  }
}

/** Runs one rss-child.mjs job ({ mode, client, n, port, ca }) in a fresh process. */
function inChild(job) {
  return new Promise((resolve, reject) => {
    const child = fork(join(benchDir, 'rss-child.mjs'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => (m.error ? reject(new Error(`${job.client}: ${m.error}`)) : resolve(m)));
    child.once('error', reject);
    child.send(job);
  });
}

const CLIENTS = ['microhttps', 'node https', 'undici'];

/** Per client, the median (by RSS per connection) of runs fresh processes holding n idle connections. */
async function idleRss(n, runs, port, ca) {
  const out = [];
  for (const client of CLIENTS) {
    const all = [];
    for (let i = 0; i < runs; i++) all.push(await inChild({ mode: 'idle', client, n, port, ca }));
    all.sort((a, b) => a.perConnection - b.perConnection);
    out.push({ ...all[Math.floor(all.length / 2)], runs: all.map((r) => r.perConnection), heapRuns: all.map((r) => r.heapPerConnection) });
  }
  return out;
}

export async function run({ quick, env }) {
  const { ports, ca } = env;
  const bigStream = quick ? 16 * MiB : 256 * MiB;
  const scenarios = [
    ['GET 64 KiB, ECDSA P-256 (16 KiB records)', ports.ecdsa, 64 * KiB],
    ['GET 64 KiB, RSA 2048 (16 KiB records)', ports.rsa, 64 * KiB],
    ['GET 64 KiB, ECDSA P-256 (MFL 1024)', ports.ecdsa, 64 * KiB, { maxFragment: 1024 }],
    ['small core: GET 64 KiB, ECDSA P-256 (16 KiB records)', ports.ecdsa, 64 * KiB, { core: 'small' }],
    ['small core: GET 64 KiB, ECDSA P-256 (MFL 1024)', ports.ecdsa, 64 * KiB, { core: 'small', maxFragment: 1024 }],
    ['streaming 1 MiB (ChaCha20)', ports.chacha20, MiB],
    [`streaming ${bigStream / MiB} MiB (ChaCha20)`, ports.chacha20, bigStream],
  ];
  const results = [];
  for (const [label, port, bytes, options] of scenarios) results.push({ label, ...(await coreFigures(ca, port, `/bytes/${bytes}`, bytes, options)) });

  const [small, big] = results.slice(-2);
  const streamsEqual = JSON.stringify(small.report) === JSON.stringify(big.report) && small.linearMemoryBytes === big.linearMemoryBytes;
  const checks = [{
    name: `memory figures after streaming 1 MiB and ${bigStream / MiB} MiB are identical`,
    ok: streamsEqual,
    detail: streamsEqual ? 'identical' : `1 MiB: ${JSON.stringify(small.report)}; big: ${JSON.stringify(big.report)}`,
  }];

  const keys = Object.keys(results[0].report);
  const coreRows = keys.map((k) => [k, ...results.map((r) => fmt(r.report[k]))]);
  coreRows.push(['linear memory (memory.buffer.byteLength)', ...results.map((r) => fmt(r.linearMemoryBytes))]);

  const rssN = quick ? 20 : 100;
  // RSS moves in allocator- and GC-sized steps: take the median of a few fresh processes
  const rssRuns = quick ? 1 : 5;
  const rss = await idleRss(rssN, rssRuns, ports.ecdsa, ca);
  for (const r of rss) if (r.open !== rssN) throw new Error(`${r.client}: ${r.open} of ${rssN} connections stayed open`);
  const rssRows = rss.map((r) => [r.client, fmt(r.open), fmt(Math.round((r.rssAfter - r.rssBefore) / KiB)), fmt(r.perConnection / KiB),
    r === rss[0] ? '' : fmtRatio(ratio(rss[0].perConnection, r.perConnection)), fmt(r.heapPerConnection / KiB), r.instantiations === undefined ? '' : fmt(r.instantiations)]);
  const requestsN = quick ? 2000 : 30_000;
  const plateau = [];
  for (const client of CLIENTS) plateau.push(await inChild({ mode: 'requests', client, n: requestsN, port: ports.ecdsa, ca }));
  const plateauRows = plateau.map((r) => [r.client, fmt(r.n), fmt(r.rssStart / MiB), fmt(r.rssEnd / MiB), fmt(r.heapEnd / MiB),
    r === plateau[0] ? '' : fmtRatio(ratio(plateau[0].rssEnd, r.rssEnd))]);

  // the budgets are the full core's (Node's default); the small core's have their own
  const fullCore = results.filter((r) => !r.label.startsWith('small core'));
  const max = (k) => Math.max(...fullCore.map((r) => r.report[k]));
  const smallCore = results.filter((r) => r.label.startsWith('small core'));
  return section('Memory', {
    note: 'Core figures come from the core itself (mh_mem, via Core.memoryReport()): bytes, deterministic for a build and its limits (defaults here: ' +
      '16 KiB TLS records, half-duplex io buffer). Stack peak is the painted C stack\'s high-water mark since mh_init. ' +
      'One instance per connection while it works, from a per-profile pool of reset instances (docs/memory.md); the small core is the `small` build profile (docs/memory.md), the others the full one. USED_PEAK is static data + stack peak + arena carved. 16 KiB records use the half-duplex (mono) record buffer of 16,709 bytes; MFL 1024 negotiates 1 KiB records (RFC 6066) and carves a 1,349-byte record buffer; the rest of the arena is the same (limits at their defaults). ' +
      `RSS and JS heap per connection: in a fresh Node process per client, ${rssN} keep-alive TLS connections opened and closed (warm-up), then ${rssN} more opened and left idle (microhttps: in a Session, where idle connections park); growth over that second batch divided by ${rssN}, read after GC once RSS is stable; median of ${rssRuns} such processes (all runs in the results file). ` +
      `Instantiations: WebAssembly instances created while the second batch connected. Sequential requests: one keep-alive connection serving ${requestsN} GETs of 1 KiB in a fresh process, RSS after GC. ` +
      'RSS is noisy (allocator and GC behaviour): read it as an order of magnitude.',
    figures: { scenarios: results, streamsEqual, rss, plateau },
    tables: [
      { title: 'Core memory figures (bytes)', head: ['figure', ...results.map((r) => r.label)], rows: coreRows },
      { title: `Process RSS per idle keep-alive connection (${rssN} connections)`, head: ['client', 'connections', 'RSS growth (KiB)', 'KiB per connection', 'ours/theirs (lower is better)', 'JS heap KiB per connection', 'instantiations'], rows: rssRows },
      { title: `Process RSS, one keep-alive connection serving ${requestsN} sequential GETs of 1 KiB`, head: ['client', 'requests', 'RSS at start (MiB)', 'RSS after (MiB)', 'JS heap after (MiB)', 'ours/theirs (lower is better)'], rows: plateauRows },
    ],
    charts: [
      { id: 'memory-core', kind: 'stacked', title: 'microhttps linear memory by use (bytes)', unit: 'bytes', bars: results.map((r) => ({ label: r.label, layers: memoryLayers(r.report) })) },
      { id: 'memory-rss', kind: 'bars', title: 'Process RSS per idle keep-alive connection (KiB, lower is better)', unit: 'KiB', groups: [{ label: `${rssN} idle TLS connections`, bars: rss.map((r) => ({ label: r.client, value: r.perConnection / KiB })) }] },
    ],
    checks,
    budgeted: {
      'memory.stackPeak': max('STACK_PEAK'),
      'memory.staticData': max('STATIC_DATA'),
      'memory.arenaUsed': max('ARENA_USED'),
      'memory.heapBase': max('HEAP_BASE'),
      'memory.linearMemoryBytes': Math.max(...fullCore.map((r) => r.linearMemoryBytes)),
      'memory.smallUsedPeak16k': smallCore[0].report.USED_PEAK,
      'memory.smallUsedPeakMfl1024': smallCore[1].report.USED_PEAK,
      'memory.smallLinearMemoryBytes': smallCore[0].linearMemoryBytes,
    },
  });
}
