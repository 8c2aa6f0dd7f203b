// What a Session does per request, made lighter for the 30,000-request
// plateau (docs/memory.md), must behave as before: the pool key of the
// defaults' settings is made once but still follows a default changed later;
// a PEM is held in the key as its digest; the request head is written straight
// into the core's transfer window; a whole body is one Buffer; and the one
// read timer of a connection, re-armed per wait, still fires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Session, MicroHttpsError } from '../dist/index.js';
import { settingsKey } from '../dist/options.js';
import { startHttpsServer, echoHandler } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';

const BIG = Buffer.alloc(100_000, 'plateau ');
let pki, leaf, server, base, requestsSeen = 0;

before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) {
      requestsSeen++;
      if (req.url === '/big') return res.end(BIG);
      if (req.url === '/gzip') {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end(gzipSync('decoded once'));
      }
      if (req.url === '/stall') return undefined; // read, never answered
      return echoHandler(req, res);
    },
  });
  base = { ca: pki.root.certPem, lookup: loopback };
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = (path = '/') => `https://localhost:${server.port}${path}`;

test("the defaults' pool key is made once yet follows a default changed after construction", async () => {
  const session = new Session({ ...base });
  try {
    await session.get(url());
    const opened = server.connections;
    assert.equal((await session.get(url())).timings.reused, true);
    session.defaults.maxVersion = '1.2';
    const changed = await session.get(url());
    assert.equal(changed.timings.reused, false, 'another maxVersion: another connection');
    assert.equal(server.connections, opened + 1);
    assert.equal(changed.tls.version, 'TLSv1.2');
    delete session.defaults.maxVersion;
    assert.equal((await session.get(url())).timings.reused, true, 'back to the first settings: their idle connection');
  } finally {
    await session.close();
  }
});

test('the pool key holds a PEM as its SHA-256: short, equal for equal text, different for other text', () => {
  const idOf = () => 1;
  const pem = pki.root.certPem;
  const key = settingsKey({ ca: pem }, idOf);
  assert.ok(!key.includes('BEGIN CERTIFICATE'), 'the PEM itself is not in the key');
  assert.ok(key.length < pem.length / 2);
  assert.equal(settingsKey({ ca: [...pem].join('') }, idOf), key, 'another string with the same text');
  assert.notEqual(settingsKey({ ca: leaf.certPem }, idOf), key);
  // a digest part never equals a short string setting's part
  assert.ok(settingsKey({ servername: 'localhost' }, idOf).includes('"localhost"'));
  assert.notEqual(settingsKey({ cert: pem }, idOf), settingsKey({ ca: pem }, idOf));
});

test('the request head: UTF-8 values and many headers reach the server byte for byte', async () => {
  const session = new Session(base);
  try {
    const headers = { 'X-Text': 'héllo ✓ 雪', ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`X-H${i}`, `v${i}`])) };
    const seen = await (await session.get(url('/héad?q=✓'), { headers })).json();
    // Node's parser hands header values over as latin1: the bytes we sent were UTF-8
    assert.equal(seen.headers['x-text'], Buffer.from('héllo ✓ 雪').toString('latin1'));
    for (let i = 0; i < 40; i++) assert.equal(seen.headers[`x-h${i}`], `v${i}`);
    assert.equal(seen.url, '/h%C3%A9ad?q=%E2%9C%93');
  } finally {
    await session.close();
  }
});

test('a header larger than the transfer window is REQUEST_INVALID naming it, and nothing is sent', async () => {
  const session = new Session(base);
  try {
    const before = requestsSeen;
    const err = await rejection(() => session.get(url(), { headers: { 'X-Huge': 'x'.repeat(1 << 20) } }));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'REQUEST_INVALID');
    assert.match(err.message, /X-Huge/);
    assert.equal(requestsSeen, before);
  } finally {
    await session.close();
  }
});

test('a whole body is one Buffer, once: one chunk, many chunks, decoded, and a second read is STATE', async () => {
  const session = new Session(base);
  try {
    const big = await session.get(url('/big'));
    const bytes = await big.bytes();
    assert.ok(Buffer.isBuffer(bytes));
    assert.ok(bytes.equals(BIG));
    assert.equal((await rejection(() => big.bytes())).code, 'STATE');
    assert.equal(await (await session.get(url('/gzip'))).text(), 'decoded once');
    const streamed = await session.get(url('/big'), { stream: true });
    assert.ok((await streamed.bytes()).equals(BIG));
    const small = await session.get(url());
    assert.equal((await small.json()).url, '/');
    assert.equal(session.idleConnections, 1, 'every read gave the connection back');
  } finally {
    await session.close();
  }
});

test("a connection's read timer, re-armed for every wait, still fires after many requests", async () => {
  const session = new Session({ ...base, timeout: { read: 500 } });
  try {
    for (let i = 0; i < 20; i++) await (await session.get(url())).bytes();
    // another read timeout for one request: the timer is made anew for it
    await (await session.get(url(), { timeout: { read: 700 } })).bytes();
    const err = await rejection(() => session.get(url('/stall')));
    assert.equal(err.code, 'TIMEOUT');
    assert.match(err.message, /\(head: no data from the server for 500 ms\)/);
  } finally {
    await session.close();
  }
});
