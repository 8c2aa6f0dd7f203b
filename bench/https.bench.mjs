// HTTPS over loopback against Node https servers (bench/server.mjs, TLS 1.2):
// full handshakes, resumed sessions, keep-alive requests and bulk downloads,
// microhttps vs node:https vs undici in the same run against the same servers.
import { measure, mbps, ratio, fmt, fmtRatio, section, MiB, serverStats } from './harness.mjs';
import { allClients } from './clients.mjs';

const NOT_YET = 'not supported yet';

export async function run({ quick, env }) {
  if (quick) return null;
  const { ports, ca } = env;
  const clients = allClients(ca);
  const bulkBytes = 64 * MiB;
  const figures = {};
  const rows = [];
  const charts = [];

  const latencyRows = [];
  // stats: each client's tinybench figures (null when it has none), for the latency percentiles
  const record = (key, label, unit, values, stats) => {
    const [ours, node, undici] = values;
    figures[key] = { unit, ours, node, undici, oursOverNode: ratio(ours, node), oursOverUndici: ratio(ours, undici), latency: stats };
    rows.push([label, unit, ...values.map((v) => (v === null ? NOT_YET : fmt(v))), fmtRatio(ratio(ours, node)), fmtRatio(ratio(ours, undici))]);
    latencyRows.push([label, ...stats.map((x) => (x ? `${fmt(x.p50Ms, 2)} / ${fmt(x.p99Ms, 2)}` : NOT_YET))]);
  };
  const chart = (id, title, unit, groups) => charts.push({ id, kind: 'bars', title, unit, groups });
  const bars = (label, values) => ({ label, bars: clients.map((c, i) => ({ label: c.name, value: values[i] })) });

  // Full handshakes: a new connection per request (a 16-byte GET), closed after.
  const handshakeGroups = [];
  for (const [kind, label] of [['ecdsa', 'ECDHE-ECDSA P-256'], ['rsa', 'ECDHE-RSA 2048']]) {
    const port = ports[kind];
    for (const c of clients) if ((await c.fresh(port, '/bytes/16')) !== 16) throw new Error(`${c.name}: short body`);
    const s = await measure(Object.fromEntries(clients.map((c) => [c.name, () => c.fresh(port, '/bytes/16')])), { time: 2500, iterations: 20, async: true });
    const v = clients.map((c) => s[c.name].opsPerSec);
    record(`handshake_${kind}`, `full handshake, ${label}`, 'conn/s', v, clients.map((c) => s[c.name]));
    handshakeGroups.push(bars(label, v));
  }

  // Resumed sessions: the server counts reused sessions, so resumption is checked, not assumed.
  for (const [kind, label] of [['ecdsa', 'ECDHE-ECDSA P-256'], ['rsa', 'ECDHE-RSA 2048']]) {
    const port = ports[kind];
    const v = [];
    const stats = [];
    for (const c of clients) {
      if (!c.resumed) { v.push(null); stats.push(null); continue; }
      const r = c.resumed(port);
      await r.get('/bytes/16');
      const before = (await serverStats(ports)).resumedSessions;
      const s = await measure({ [c.name]: () => r.get('/bytes/16') }, { time: 2000, iterations: 20, async: true });
      const resumed = (await serverStats(ports)).resumedSessions - before;
      await r.close();
      if (resumed < s[c.name].samples) throw new Error(`${c.name}: only ${resumed} of ${s[c.name].samples}+ connections resumed their session`);
      v.push(s[c.name].opsPerSec);
      stats.push(s[c.name]);
    }
    record(`resumed_${kind}`, `resumed session, ${label}`, 'conn/s', v, stats);
    handshakeGroups.push(bars(`resumed, ${label}`, v.map((x) => x ?? 0)));
  }
  chart('https-connections', 'TLS 1.2 connections per second (higher is better)', 'conn/s', handshakeGroups);

  // Keep-alive: one connection, 1 KiB responses back to back.
  const open = await Promise.all(clients.map((c) => c.keepAlive(ports.ecdsa)));
  for (const k of open) if ((await k.get('/bytes/1024')) !== 1024) throw new Error('short keep-alive body');
  const ka = await measure(Object.fromEntries(clients.map((c, i) => [c.name, () => open[i].get('/bytes/1024')])), { time: 2500, iterations: 50, async: true });
  await Promise.all(open.map((k) => k.close()));
  const kaValues = clients.map((c) => ka[c.name].opsPerSec);
  record('keepalive_1k', 'keep-alive GET, 1 KiB body', 'req/s', kaValues, clients.map((c) => ka[c.name]));
  chart('https-keepalive', 'Keep-alive requests per second, 1 KiB body (higher is better)', 'req/s', [bars('ECDHE-ECDSA, AES-128-GCM', kaValues)]);

  // Bulk download on a fresh connection; the server's cipher list forces the AEAD.
  const bulkGroups = [];
  for (const [cipher, label] of [['aes128gcm', 'AES-128-GCM'], ['chacha20', 'ChaCha20-Poly1305']]) {
    const port = ports[cipher];
    const path = `/bytes/${bulkBytes}`;
    const s = await measure(Object.fromEntries(clients.map((c) => [c.name, async () => {
      if ((await c.fresh(port, path)) !== bulkBytes) throw new Error(`${c.name}: short bulk body`);
    }])), { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1, async: true });
    const v = clients.map((c) => mbps(bulkBytes, s[c.name].meanMs));
    record(`bulk_${cipher}`, `bulk download ${bulkBytes / MiB} MiB, ${label}`, 'MB/s', v, clients.map((c) => s[c.name]));
    bulkGroups.push(bars(label, v));
  }
  chart('https-bulk', `Bulk download of ${bulkBytes / MiB} MiB over TLS 1.2 (MB/s, higher is better)`, 'MB/s', bulkGroups);

  return section('HTTPS over loopback', {
    note: 'Server: Node https in a child process on 127.0.0.1, TLS 1.2 only (what microhttps speaks), so every client is measured on the same protocol. ' +
      'microhttps uses its public API (`get`, a new connection per request) and, for keep-alive, its `Connection` class. ' +
      'Node https: `agent: false` for full handshakes, a shared agent for resumption and keep-alive. undici: a `Client` per origin (session cache off for full handshakes). ' +
      'Resumed sessions are counted by the server. microhttps does not resume sessions yet (issue 6), so it has no resumed figure. ' +
      'MB/s here is MiB/s (2^20 bytes).',
    figures,
    tables: [
      { title: 'HTTPS over loopback', head: ['workload', 'unit', 'microhttps', 'node https', 'undici', 'ours/node', 'ours/undici'], rows },
      { title: 'HTTPS latency per operation, p50 / p99 (ms)', head: ['workload', 'microhttps', 'node https', 'undici'], rows: latencyRows },
    ],
    charts,
  });
}
