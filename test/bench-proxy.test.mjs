// The bench's delaying proxy (bench/proxy.mjs), which the round-trip rows of
// `npm run bench` stand on: it must pass every byte through, in order, in
// both directions, and pass the end of a stream on; a TLS 1.3 GET through it
// must work. Its delay is what it is for, but no time is asserted here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { get } from '../dist/index.js';
import { delayingProxy } from '../bench/proxy.mjs';
import { startRawServer, startHttpsServer } from './helpers/servers.mjs';
import { localPki } from './helpers/core-client.mjs';

const DELAY_MS = 5;
let pki, leaf;
before(() => ({ pki, leaf } = localPki()));
after(() => pki.cleanup());

/** Sends `chunks` through the proxy to an echo server; resolves to what came back once the echo ended. */
async function echoThrough(chunks) {
  const echo = await startRawServer({ onConnection: (s) => s.pipe(s) });
  const proxy = await delayingProxy(echo.port, DELAY_MS);
  try {
    return await new Promise((resolve, reject) => {
      const back = [];
      const socket = net.connect(proxy.port, '127.0.0.1', () => {
        for (const c of chunks) socket.write(c);
        socket.end();
      });
      socket.on('data', (c) => back.push(c));
      socket.on('end', () => resolve(Buffer.concat(back)));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => reject(new Error('no end through the proxy')));
    });
  } finally {
    await proxy.close();
    await echo.close();
  }
}

test('bench proxy: 200 chunks of random sizes come back byte-exact and in order, and the end is passed on', async () => {
  const chunks = Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 7919) % 3000)));
  assert.deepEqual(await echoThrough(chunks), Buffer.concat(chunks));
});

test('bench proxy: a TLS 1.3 GET through it gets the whole body', async () => {
  const body = randomBytes(100_000);
  const server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { minVersion: 'TLSv1.3' },
    handler: (req, res) => res.writeHead(200, { 'content-length': body.length }).end(body),
  });
  const proxy = await delayingProxy(server.port, DELAY_MS);
  try {
    const lookup = async () => ({ address: '127.0.0.1' });
    const res = await get(`https://localhost:${proxy.port}/`, { ca: pki.root.certPem, lookup, sessionCache: false });
    assert.equal(res.tls.version, 'TLSv1.3');
    assert.deepEqual(Buffer.from(await res.bytes()), body);
  } finally {
    await proxy.close();
    await server.close();
  }
});
