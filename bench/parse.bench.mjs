// HTTP/1.1 response parse throughput from JavaScript, no sockets: microhttps'
// core (plain mode, through the ABI) vs Node's native llhttp vs llhttp's wasm
// build inside undici, on the same byte streams, in the same run.
import { measure, mbps, ratio, fmt, fmtRatio, section, MiB, KiB } from './harness.mjs';
import { oursParser, nativeParser, undiciWasmParser, SLICE } from './parsers.mjs';

const enc = new TextEncoder();
const STREAM_BYTES = 2 * MiB; // responses are repeated back to back up to about this size

function head(status, fields) {
  return `HTTP/1.1 ${status}\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

function smallApi() {
  const body = JSON.stringify({ items: Array.from({ length: 6 }, (_, i) => ({ id: 1000 + i, name: `sensor-${i}`, ok: i % 2 === 0 })) }).padEnd(300, ' ');
  const fields = [
    ['Date', 'Mon, 30 Nov 2026 03:00:00 GMT'], ['Content-Type', 'application/json; charset=utf-8'],
    ['Content-Length', String(body.length)], ['Connection', 'keep-alive'], ['Cache-Control', 'no-store'],
    ['ETag', 'W/"12c-1a2b3c4d5e6f"'], ['Vary', 'Accept-Encoding'], ['X-Request-Id', '6f1c2a9e-4b7d-4e0a-9d8c-2f3e4a5b6c7d'],
    ['X-RateLimit-Limit', '5000'], ['X-RateLimit-Remaining', '4987'], ['Strict-Transport-Security', 'max-age=63072000'],
    ['Server', 'bench'],
  ];
  return { name: 'small API response (12 headers + 300 B JSON)', bytes: enc.encode(head('200 OK', fields) + body), headers: 12, body: body.length };
}

function manyHeaders() {
  const fields = [['Content-Length', '0']];
  for (let i = 1; i < 50; i++) fields.push([`X-Header-${String(i).padStart(2, '0')}`, `value-${i}-${'v'.repeat(20)}`]);
  return { name: '50 headers, no body', bytes: enc.encode(head('204 No Content', fields).replace('204 No Content', '200 OK')), headers: 50, body: 0 };
}

function chunked() {
  const chunk = `400\r\n${'c'.repeat(1024)}\r\n`;
  const text = head('200 OK', [['Content-Type', 'application/octet-stream'], ['Transfer-Encoding', 'chunked']]) + chunk.repeat(64) + '0\r\n\r\n';
  return { name: '64 KiB chunked in 1 KiB chunks', bytes: enc.encode(text), headers: 2, body: 64 * KiB };
}

function bigBody() {
  const h = enc.encode(head('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(MiB)]]));
  const bytes = new Uint8Array(h.length + MiB).fill(0x62);
  bytes.set(h);
  return { name: '1 MiB Content-Length body', bytes, headers: 2, body: MiB };
}

/** `one` repeated back to back to about STREAM_BYTES. */
function stream(one) {
  const count = Math.max(2, Math.ceil(STREAM_BYTES / one.bytes.length));
  const bytes = new Uint8Array(count * one.bytes.length);
  for (let i = 0; i < count; i++) bytes.set(one.bytes, i * one.bytes.length);
  return { ...one, stream: bytes, count };
}

export async function run({ quick }) {
  if (quick) return null;
  const workloads = [smallApi(), manyHeaders(), chunked(), bigBody()].map(stream);
  const parsers = [oursParser(), nativeParser(), undiciWasmParser()];
  const rows = [];
  const figures = {};
  const chart = { id: 'parse-throughput', kind: 'bars', title: 'HTTP parse throughput (MB/s, higher is better)', unit: 'MB/s', groups: [] };
  for (const w of workloads) {
    // all three must see the same responses before any is timed
    for (const p of parsers) {
      const got = p.parse(w.stream, w.count);
      const want = { responses: w.count, headers: w.count * w.headers, bodyBytes: w.count * w.body };
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${p.name} on ${w.name}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    const stats = await measure(Object.fromEntries(parsers.map((p) => [p.name, () => p.parse(w.stream, w.count)])), { time: 1500, iterations: 10 });
    const per = parsers.map((p) => {
      const s = stats[p.name];
      return { parser: p.name, MBps: mbps(w.stream.length, s.meanMs), responsesPerSec: (w.count * 1000) / s.meanMs, ...s };
    });
    const [ours, native, wasm] = per;
    figures[w.name] = { streamBytes: w.stream.length, responses: w.count, parsers: per, ratioVsNative: ratio(ours.MBps, native.MBps), ratioVsWasm: ratio(ours.MBps, wasm.MBps) };
    for (const p of per) rows.push([w.name, p.parser, fmt(p.MBps), fmt(Math.round(p.responsesPerSec)), p === ours ? '' : fmtRatio(ratio(ours.MBps, p.MBps))]);
    chart.groups.push({ label: w.name, bars: per.map((p) => ({ label: p.parser, value: p.MBps })) });
  }
  return section('HTTP parse throughput', {
    note: `Each parser consumes the same stream of identical keep-alive responses (about ${STREAM_BYTES / MiB} MiB) from JavaScript; llhttp gets ${SLICE / KiB} KiB slices, ` +
      'microhttps gets as much as its receive window takes per EV_RECV (ioBufferBytes at its maximum: half of it in plain mode). ' +
      'Ours: plain mode through the ABI (mh_open without OPEN_TLS, a GET per response, EV_SEND bytes dropped); header names, values and body bytes handed out as views. ' +
      'llhttp wasm: undici\'s build instantiated as undici does, views handed out likewise. Native: Node\'s HTTPParser binding, strict, header strings as node:http gets them.',
    figures,
    tables: [{ title: 'HTTP parse throughput', head: ['workload', 'parser', 'MB/s', 'responses/s', 'ours/theirs'], rows }],
    charts: [chart],
  });
}
