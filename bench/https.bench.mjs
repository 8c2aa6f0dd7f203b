// HTTPS over loopback against Node https servers (bench/server.mjs), TLS 1.2
// and TLS 1.3 listeners side by side: full handshakes, resumed sessions,
// keep-alive requests and bulk downloads, microhttps vs node:https vs undici.
// Each figure: one client per process, rounds alternating the clients'
// order, the median over the rounds (bench/processes.mjs).
import { mbps, ratio, fmt, fmtRatio, section, MiB, serverStats } from './harness.mjs';
import { interleaved, median } from './processes.mjs';

const CLIENTS = ['microhttps', 'node https', 'undici'];
const NOT_RESUMED = 'not resumed';

// listener names of bench/server.mjs per TLS version
const PORTS = {
  '1.2': { ecdsa: 'ecdsa', rsa: 'rsa', aes128gcm: 'aes128gcm', chacha20: 'chacha20' },
  '1.3': { ecdsa: 'ecdsa13', rsa: 'rsa13', aes128gcm: 'aes128gcm13', chacha20: 'chacha13' },
};
const KEYS = [['ecdsa', 'ECDSA P-256'], ['rsa', 'RSA 2048']];
const CIPHERS = [['aes128gcm', 'AES-128-GCM'], ['chacha20', 'ChaCha20-Poly1305']];
// what the server reports (socket.getCipher().name) for each forced AEAD
const SUITE_NAMES = {
  '1.2': { aes128gcm: 'ECDHE-ECDSA-AES128-GCM-SHA256', chacha20: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  '1.3': { aes128gcm: 'TLS_AES_128_GCM_SHA256', chacha20: 'TLS_CHACHA20_POLY1305_SHA256' },
};
const PROTOCOL_NAMES = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };
// figure keys: the TLS 1.2 ones keep their names, TLS 1.3 ones end in _13
const figureKey = (base, version) => (version === '1.2' ? base : `${base}_13`);

/** The timing of each row in full and quick mode (quick: one smoke round, nothing published). */
function plan(quick) {
  return quick
    ? { rounds: 1, bulkRounds: 1, conn: { warmup: 1, maxOps: 1 }, keepAlive: { warmup: 2, maxOps: 5 }, bulkBytes: 1 * MiB }
    : { rounds: 5, bulkRounds: 3, conn: { warmup: 3, timeMs: 600, maxOps: 2000 }, keepAlive: { warmup: 30, timeMs: 600, maxOps: 20000 }, bulkBytes: 32 * MiB };
}

/**
 * Whether a client that did not resume fails the bench (it does for every
 * client where resumption is known to work) or gets "not resumed": only
 * microhttps over TLS 1.3, whose resumption is being written (branch res13).
 * Once `tls.resumed` works over TLS 1.3 the row reports a rate, unchanged.
 */
const mayNotResume = (client, version) => client === 'microhttps' && version === '1.3';

function connectionRows(version, ports, p) {
  const rows = [];
  for (const [kind, label] of KEYS) {
    rows.push({ key: figureKey(`handshake_${kind}`, version), label: `TLS ${version} full handshake, ${label}`, unit: 'conn/s', version,
      job: { workload: 'fresh', port: ports[PORTS[version][kind]], path: '/bytes/16', ...p.conn } });
  }
  for (const [kind, label] of KEYS) {
    const port = ports[PORTS[version][kind]];
    const resumedSoFar = async () => (await serverStats(ports)).byPort[port]?.resumed ?? 0;
    rows.push({ key: figureKey(`resumed_${kind}`, version), label: `TLS ${version} resumed session, ${label}`, unit: 'conn/s', version,
      job: { workload: 'resumed', port, path: '/bytes/16', ...p.conn },
      before: resumedSoFar,
      // the server counts resumed sessions: resumption is checked, not assumed
      after: async (result, before) => { result.resumedCount = (await resumedSoFar()) - before; } });
  }
  rows.push({ key: figureKey('keepalive_1k', version), label: `TLS ${version} keep-alive GET, 1 KiB body`, unit: 'req/s', version,
    job: { workload: 'keepAlive', port: ports[PORTS[version].ecdsa], path: '/bytes/1024', ...p.keepAlive } });
  return rows;
}

function bulkRows(version, ports, p) {
  return CIPHERS.map(([cipher, label]) => ({
    key: figureKey(`bulk_${cipher}`, version), label: `TLS ${version} bulk download ${p.bulkBytes / MiB} MiB, ${label}`, unit: 'MB/s', version, bytes: p.bulkBytes,
    suite: SUITE_NAMES[version][cipher],
    job: { workload: 'fresh', port: ports[PORTS[version][cipher]], path: `/bytes/${p.bulkBytes}`, warmup: 1, maxOps: 2 },
  }));
}

/** The server's word on every row's connections: the row's TLS version, and for bulk rows its suite only. */
async function protocolChecks(rows, ports) {
  const { byPort } = await serverStats(ports);
  const only = (counts, name) => Object.keys(counts ?? {}).length === 1 && name in counts;
  const wrong = (row) => {
    const seen = byPort[row.job.port];
    return only(seen?.protocols, PROTOCOL_NAMES[row.version]) && (!row.suite || only(seen.suites, row.suite)) ? [] : [`${row.label}: ${JSON.stringify(seen ?? {})}`];
  };
  return [...new Set(rows.map((r) => r.version))].map((version) => {
    const failures = rows.filter((r) => r.version === version).flatMap(wrong);
    return { name: `TLS ${version} rows: the server saw ${PROTOCOL_NAMES[version]} only, and in bulk rows the forced suite only`, ok: !failures.length, detail: failures.join('; ') };
  });
}

/** One client's figure for a row from its rounds: rate, CPU per operation, latency, spread. */
function summarize(row, client, results) {
  // every connection but the first warm-up one (a full handshake that gets the session) must have resumed
  const expected = (r) => r.ops + row.job.warmup - 1;
  if (row.job.workload === 'resumed' && results.some((r) => r.resumedCount < expected(r))) {
    if (!mayNotResume(client, row.version)) {
      const r = results.find((x) => x.resumedCount < expected(x));
      throw new Error(`${client}: only ${r.resumedCount} of ${expected(r)} connections resumed their session (${row.label})`);
    }
    return { value: null, text: NOT_RESUMED };
  }
  const rates = results.map((r) => (row.bytes ? mbps(row.bytes * r.ops, r.wallMs) : r.ops / (r.wallMs / 1000)));
  const sorted = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    value: median(rates), rates, cpuMsPerOp: median(results.map((r) => r.cpuMs / r.ops)),
    p50Ms: pct(0.5), p99Ms: pct(0.99), ops: results.reduce((n, r) => n + r.ops, 0),
  };
}

export async function run({ quick, env }) {
  const { ports, ca } = env;
  const p = plan(quick);
  // quick mode (CI) smoke-tests the TLS 1.3 rows only; the TLS 1.2 ones were measured before them
  const versions = quick ? ['1.3'] : ['1.2', '1.3'];
  const conn = versions.flatMap((v) => connectionRows(v, ports, p));
  const bulk = versions.flatMap((v) => bulkRows(v, ports, p));
  // latencies stay in the child's results only as long as the summary needs them
  const measured = {
    ...await interleaved(conn, CLIENTS, p.rounds, ca),
    ...await interleaved(bulk, CLIENTS, p.bulkRounds, ca),
  };

  const checks = await protocolChecks([...conn, ...bulk], ports);
  const figures = {};
  const rows = [];
  const cpuRows = [];
  const latencyRows = [];
  for (const row of [...conn, ...bulk]) {
    const s = CLIENTS.map((c) => summarize(row, c, measured[row.key][c]));
    const [ours, node, undici] = s.map((x) => x.value);
    figures[row.key] = {
      version: row.version, unit: row.unit, ours, node, undici, oursOverNode: ratio(ours, node), oursOverUndici: ratio(ours, undici),
      notResumed: s.map((x, i) => (x.text === NOT_RESUMED ? CLIENTS[i] : null)).filter(Boolean),
      clients: Object.fromEntries(CLIENTS.map((c, i) => [c, s[i]])),
    };
    rows.push([row.label, row.unit, ...s.map((x) => x.text ?? fmt(x.value)), fmtRatio(ratio(ours, node)), fmtRatio(ratio(ours, undici))]);
    if (row.unit === 'conn/s') {
      const [co, cn, cu] = s.map((x) => x.cpuMsPerOp ?? null);
      cpuRows.push([row.label, ...s.map((x) => x.text ?? fmt(x.cpuMsPerOp, 2)), fmtRatio(ratio(co, cn)), fmtRatio(ratio(co, cu))]);
    }
    latencyRows.push([row.label, ...s.map((x) => x.text ?? `${fmt(x.p50Ms, 2)} / ${fmt(x.p99Ms, 2)}`)]);
  }

  const bars = (label, key) => ({ label, bars: CLIENTS.map((c) => ({ label: c, value: figures[key].clients[c].value ?? 0 })) });
  const groups = (bases) => versions.flatMap((v) => bases.map(([base, label]) => bars(`TLS ${v}, ${label}`, figureKey(base, v))));
  const charts = [
    { id: 'https-connections', kind: 'bars', title: 'TLS connections per second (higher is better)', unit: 'conn/s',
      groups: groups([...KEYS.map(([k, l]) => [`handshake_${k}`, `full, ${l}`]), ...KEYS.map(([k, l]) => [`resumed_${k}`, `resumed, ${l}`])]) },
    { id: 'https-keepalive', kind: 'bars', title: 'Keep-alive requests per second, 1 KiB body (higher is better)', unit: 'req/s', groups: groups([['keepalive_1k', 'ECDSA']]) },
    { id: 'https-bulk', kind: 'bars', title: `Bulk download of ${p.bulkBytes / MiB} MiB (MB/s, higher is better)`, unit: 'MB/s',
      groups: groups(CIPHERS.map(([c, l]) => [`bulk_${c}`, l])) },
  ];

  return section('HTTPS over loopback', {
    note: 'Server: Node https in a child process on 127.0.0.1, one listener per TLS version, key type and (for bulk rows) forced AEAD; TLS 1.2 listeners keep a session-id store (as nginx\'s ssl_session_cache), TLS 1.3 ones resume with tickets (PSK), Node\'s default. ' +
      `Method: each figure runs one client alone in a fresh Node process (bench/client-child.mjs): warm-up, then operations back to back for ${p.conn.timeMs} ms (bulk: two downloads); ` +
      `${p.rounds} rounds (bulk: ${p.bulkRounds}) alternate the order of the clients, and the figure is the median over the rounds. ` +
      'Client CPU is the client process\'s user + system time per connection (process.cpuUsage) over the same loop. ' +
      'microhttps: `Connection.open` (a new connection per request; `sessionCache` for resumption, as `get` does by default), TLS 1.3 first. ' +
      'Node https: `agent: false` for full handshakes, a shared agent (its TLS session cache) for resumption and keep-alive. undici: a `Client` per origin (session cache off for full handshakes). ' +
      'Resumed sessions are counted by the server: a client that did not resume every connection fails the bench, except microhttps over TLS 1.3, whose resumption is not merged yet; its row says "not resumed". ' +
      'MB/s here is MiB/s (2^20 bytes).',
    figures,
    checks,
    tables: [
      { title: 'HTTPS over loopback', head: ['workload', 'unit', 'microhttps', 'node https', 'undici', 'ours/node', 'ours/undici'], rows },
      { title: 'Client CPU per connection (ms, lower is better; ratio: ours/theirs)', head: ['workload', 'microhttps', 'node https', 'undici', 'ours/node', 'ours/undici'], rows: cpuRows },
      { title: 'HTTPS latency per operation, p50 / p99 over all rounds (ms)', head: ['workload', 'microhttps', 'node https', 'undici'], rows: latencyRows },
    ],
    charts,
  });
}
