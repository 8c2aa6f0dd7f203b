// Streaming: a 100 MiB download passes through with the core's memory fixed
// and the JS heap never holding the body; a large upload streams chunked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { get, post } from '../dist/index.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';
import { withoutStackPeak } from './helpers/memory.mjs';

const MiB = 1024 * 1024;
const TOTAL = 100 * MiB;

/** A deterministic 64 KiB pattern, sent over and over. */
const block = Buffer.alloc(64 * 1024);
for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;

let pki, leaf, server;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) {
      if (req.method === 'POST') {
        const hash = createHash('sha256');
        let n = 0;
        req.on('data', (c) => { hash.update(c); n += c.length; });
        req.on('end', () => res.end(JSON.stringify({ n, sha256: hash.digest('hex'), chunked: req.headers['transfer-encoding'] === 'chunked' })));
        return;
      }
      res.setHeader('Content-Length', String(TOTAL));
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    },
  });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const opts = () => ({ ca: pki.root.certPem, lookup: loopback, stream: true });

test('100 MiB streamed in 1 KiB pieces: core memory unchanged, heap never holds the body', async () => {
  const res = await get(`https://localhost:${server.port}/big`, opts());
  const before = withoutStackPeak(res.memory);
  const heapBefore = getHeapStatistics().used_heap_size;
  let heapPeak = heapBefore;
  const expected = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  let pieces = 0;
  for await (const chunk of res.iterContent(1024)) {
    assert.ok(chunk.length <= 1024);
    got.update(chunk);
    received += chunk.length;
    if (++pieces % 8192 === 0) heapPeak = Math.max(heapPeak, getHeapStatistics().used_heap_size);
  }
  for (let n = 0; n < TOTAL; n += block.length) expected.update(block);
  assert.equal(received, TOTAL);
  assert.equal(got.digest('hex'), expected.digest('hex'));
  assert.deepEqual(withoutStackPeak(res.memory), before, 'core memory figures are the same after 100 MiB');
  // The body is 100 MiB; holding it would show. Garbage not yet collected is
  // bounded well below that.
  assert.ok(heapPeak - heapBefore < 48 * MiB, `heap grew by ${((heapPeak - heapBefore) / MiB).toFixed(1)} MiB`);
});

test('a 16 MiB upload from an async generator streams chunked and arrives intact', async () => {
  async function* source() {
    for (let n = 0; n < 16 * MiB; n += block.length) yield block;
  }
  const res = await post(`https://localhost:${server.port}/up`, { ...opts(), stream: false, body: source() });
  const echoed = await res.json();
  const expected = createHash('sha256');
  for (let n = 0; n < 16 * MiB; n += block.length) expected.update(block);
  assert.deepEqual(echoed, { n: 16 * MiB, sha256: expected.digest('hex'), chunked: true });
});
