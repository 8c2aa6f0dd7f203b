// Round trips to the first response byte on a slow link: each client opens a
// connection through a TCP proxy that delays every chunk by 40 ms each way
// (bench/proxy.mjs, RTT 80 ms) to the TLS 1.3 and the TLS 1.2 ECDSA
// listeners, sends a GET and stops the clock when the response head arrives.
// Fresh: no session offered; resumed: the session a previous connection left
// in the client's cache. Latency is dominated by the delay, so few samples do.
import { fmt, section, serverStats } from './harness.mjs';
import { interleaved, median } from './processes.mjs';
import { PROXY_DELAY_MS } from './proxy.mjs';

const CLIENTS = ['microhttps', 'node https', 'undici'];
const RTT_MS = 2 * PROXY_DELAY_MS;
const SERVERS = [['1.3', 'delayed13', 'ecdsa13'], ['1.2', 'delayed12', 'ecdsa']];
const roundTrips = (ms) => Math.round((ms / RTT_MS) * 4) / 4;

function rows(ports, samples) {
  return SERVERS.flatMap(([version, proxy, upstream]) => [false, true].map((resume) => {
    const resumedSoFar = async () => (await serverStats(ports)).byPort[ports[upstream]]?.resumed ?? 0;
    return {
      key: `ttfb_${resume ? 'resumed' : 'fresh'}${version === '1.2' ? '' : '_13'}`, version, resume,
      label: `TLS ${version} server, ${resume ? 'resumed' : 'fresh'} connection`,
      // one warm-up connection: it fills the session cache (and lets microhttps learn that a TLS 1.2 origin is one)
      job: { workload: 'firstByte', port: ports[proxy], resume, warmup: 1, maxOps: samples },
      before: resumedSoFar,
      after: async (result, before) => { result.resumedCount = (await resumedSoFar()) - before; },
    };
  }));
}

/** A client's figure: median ms and round trips, or "not resumed" when the server saw no resumption. */
function summarize(row, result) {
  const ms = median(result.samples);
  // the warm-up connection is a full handshake; every timed one must have resumed
  const resumed = result.resumedCount >= result.ops;
  return { ms, rtt: roundTrips(ms), samples: result.samples, resumed: row.resume ? resumed : undefined };
}

export async function run({ quick, env }) {
  const { ports, ca } = env;
  const list = rows(ports, quick ? 1 : 5);
  const measured = await interleaved(list, CLIENTS, 1, ca);
  const figures = { rttMs: RTT_MS };
  const table = [];
  for (const row of list) {
    const s = CLIENTS.map((c) => summarize(row, measured[row.key][c][0]));
    figures[row.key] = { version: row.version, resume: row.resume, clients: Object.fromEntries(CLIENTS.map((c, i) => [c, s[i]])) };
    const cell = (x) => `${fmt(x.rtt, 2)} RTT (${fmt(x.ms, 0)} ms)${x.resumed === false ? ', not resumed' : ''}`;
    table.push([row.label, ...s.map(cell)]);
  }
  return section('Round trips to the first response byte (delaying proxy)', {
    note: `A TCP proxy on 127.0.0.1 (bench/proxy.mjs, in the server's process) delays every chunk by ${PROXY_DELAY_MS} ms in each direction, so RTT = ${RTT_MS} ms; ` +
      'it connects upstream as soon as the client connects, so the TCP handshake is not delayed and the figure counts TLS and HTTP round trips. ' +
      'Time to first byte: from opening the connection to the response head (microhttps: `Connection.open` + `send` returning the head; Node https: the `response` event; undici: `request` resolving). ' +
      `Figure: the median of ${quick ? 1 : 5} connections after one warm-up connection, each client in its own process, divided by the RTT and rounded to 0.25 RTT. ` +
      'Expected: TLS 1.3 fresh, 2 RTT (ClientHello → server flight; Finished + GET → response) plus what the proxy adds; TLS 1.2 fresh, one more. ' +
      'Resumed: the server counts resumed sessions; "not resumed" marks a client whose timed connections were full handshakes. ' +
      'microhttps against the TLS 1.2 server: its warm-up connection tried TLS 1.3 first and learnt that the origin answers with TLS 1.2 (one extra connection, once per origin and process); the timed ones go straight to TLS 1.2.',
    figures,
    tables: [{ title: `Time to first response byte through the delaying proxy (RTT ${RTT_MS} ms)`, head: ['connection', ...CLIENTS], rows: table }],
  });
}
