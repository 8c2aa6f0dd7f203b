// Every request option of the requests-style API against real local servers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request, get, post, put, patch, del, head, Session, MicroHttpsError, HTTPError } from '../dist/index.js';
import { startHttpsServer, startHttpServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';

/** Echoes method, url, headers, body, and whether the body came chunked. */
function echo(req, res) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts).toString('utf8');
    res.setHeader('Content-Type', 'application/json');
    if (req.url.startsWith('/status/')) res.statusCode = Number(req.url.split('/')[2]);
    if (req.url === '/lines') {
      res.end('alpha\nbeta\r\ngamma');
      return;
    }
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body, chunked: req.headers['transfer-encoding'] === 'chunked' }));
  });
}

let pki, leaf, https, http, opts;
before(async () => {
  ({ pki, leaf } = localPki());
  https = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler: echo });
  http = await startHttpServer({ handler: echo });
  opts = { ca: pki.root.certPem, lookup: loopback };
});
after(async () => {
  await Promise.all([https.close(), http.close()]);
  pki.cleanup();
});

const url = (path) => `https://localhost:${https.port}${path}`;

test('method helpers send their method', async () => {
  for (const [fn, method] of [[get, 'GET'], [post, 'POST'], [put, 'PUT'], [patch, 'PATCH'], [del, 'DELETE']]) {
    const res = await fn(url('/m'), opts);
    assert.equal((await res.json()).method, method);
  }
  const res = await head(url('/m'), opts);
  assert.equal(res.status, 200);
  assert.equal((await res.bytes()).length, 0, 'HEAD has no body whatever Content-Length says');
});

test('headers, params and the default headers', async () => {
  const res = await get(url('/p?keep=1'), { ...opts, headers: { 'X-Trace': 'abc', Accept: 'application/json' }, params: { q: 'a b', n: 2 } });
  const echoed = await res.json();
  assert.equal(echoed.url, '/p?keep=1&q=a+b&n=2');
  assert.equal(echoed.headers['x-trace'], 'abc');
  assert.equal(echoed.headers.accept, 'application/json');
  assert.match(echoed.headers['user-agent'], /^microhttps\//);
  assert.equal(echoed.headers.host, `localhost:${https.port}`);
});

test('data: a form object is urlencoded, a string is sent as is', async () => {
  let echoed = await (await post(url('/f'), { ...opts, data: { name: 'a&b', n: 1 } })).json();
  assert.equal(echoed.body, 'name=a%26b&n=1');
  assert.equal(echoed.headers['content-type'], 'application/x-www-form-urlencoded');
  echoed = await (await post(url('/f'), { ...opts, data: 'raw text' })).json();
  assert.equal(echoed.body, 'raw text');
  assert.equal(echoed.headers['content-length'], '8');
});

test('json sets Content-Type and Content-Length', async () => {
  const echoed = await (await post(url('/j'), { ...opts, json: { a: [1, 2] } })).json();
  assert.equal(echoed.body, '{"a":[1,2]}');
  assert.equal(echoed.headers['content-type'], 'application/json');
  assert.equal(echoed.chunked, false);
});

test('body: bytes with a length; async iterables and Readables chunked', async () => {
  let echoed = await (await post(url('/b'), { ...opts, body: new Uint8Array([104, 105]) })).json();
  assert.deepEqual([echoed.body, echoed.chunked], ['hi', false]);
  async function* pieces() {
    for (let i = 0; i < 50; i++) yield `piece ${i};`;
  }
  echoed = await (await post(url('/b'), { ...opts, body: pieces() })).json();
  assert.equal(echoed.chunked, true);
  assert.equal(echoed.body, Array.from({ length: 50 }, (_, i) => `piece ${i};`).join(''));
  const big = Buffer.alloc(200_000, 'z');
  echoed = await (await post(url('/b'), { ...opts, body: Readable.from([big.subarray(0, 70_000), big.subarray(70_000)]) })).json();
  assert.equal(echoed.body.length, 200_000);
  assert.equal(echoed.chunked, true);
});

test('auth sends HTTP Basic', async () => {
  const echoed = await (await get(url('/a'), { ...opts, auth: ['user', 'p:ss'] })).json();
  assert.equal(echoed.headers.authorization, `Basic ${Buffer.from('user:p:ss').toString('base64')}`);
});

test('framing headers from the caller are refused before anything is sent', async () => {
  const err = await rejection(() => get(url('/x'), { ...opts, headers: { 'Content-Length': '5' } }));
  assert.equal(err.code, 'REQUEST_INVALID');
  assert.equal(err.detailName, 'MANAGED_HEADER');
  const inj = await rejection(() => get(url('/x'), { ...opts, headers: { 'X-A': 'v\r\nX-Injected: 1' } }));
  assert.equal(inj.code, 'REQUEST_INVALID');
  assert.equal(inj.detailName, 'BAD_HEADER_VALUE');
});

test('Response: status, reason, ok, url, elapsed, timings, raiseForStatus', async () => {
  const res = await get(url('/status/404'), opts);
  assert.equal(res.status, 404);
  assert.equal(res.reason, 'Not Found');
  assert.equal(res.ok, false);
  assert.equal(res.url, url('/status/404'));
  assert.ok(res.elapsed >= 0);
  assert.ok(res.timings.firstByte >= 0);
  assert.throws(() => res.raiseForStatus(), (e) => e instanceof HTTPError && e.status === 404);
  const ok = await get(url('/'), opts);
  assert.equal(ok.raiseForStatus(), ok);
});

test('stream: true hands the body over in chunks of at most chunkSize', async () => {
  const res = await get(url('/chunks'), { ...opts, stream: true });
  let total = 0;
  for await (const chunk of res.iterContent(7)) {
    assert.ok(chunk.length <= 7);
    total += chunk.length;
  }
  assert.equal(total, Number(res.headers.get('content-length')));
  await assert.rejects(res.text(), (e) => e instanceof MicroHttpsError && e.code === 'STATE');
});

test('iterLines splits on LF and CRLF', async () => {
  const res = await get(url('/lines'), { ...opts, stream: true });
  const lines = [];
  for await (const line of res.iterLines()) lines.push(line);
  assert.deepEqual(lines, ['alpha', 'beta', 'gamma']);
});

test('resolve (curl --resolve) and servername', async () => {
  const res = await get(`https://localhost:${https.port}/r`, { ca: pki.root.certPem, resolve: [`localhost:${https.port}:127.0.0.1`] });
  assert.equal(res.status, 200);
  // connect to an IP but check the certificate for "localhost"
  const byIp = await get(`https://127.0.0.1:${https.port}/s`, { ca: pki.root.certPem, servername: 'localhost' });
  assert.equal(byIp.status, 200);
});

test('limits are passed to the core and enforced', async () => {
  const err = await rejection(() => get(url('/lim'), { ...opts, limits: { headerCount: 2 } }));
  assert.equal(err.code, 'HTTP_LIMIT');
  assert.equal(err.detailName, 'headerCount');
  const bad = await rejection(() => get(url('/lim'), { ...opts, limits: { headerCount: 0 } }));
  assert.equal(bad.code, 'CONFIG');
  const unknown = await rejection(() => get(url('/lim'), { ...opts, limits: { nope: 1 } }));
  assert.equal(unknown.code, 'CONFIG');
});

test('http:// and https:// share one API; other schemes are refused', async () => {
  const res = await request(`http://127.0.0.1:${http.port}/plain`, { method: 'POST', json: { x: 1 } });
  assert.equal((await res.json()).body, '{"x":1}');
  const err = await rejection(() => get('ftp://127.0.0.1/'));
  assert.equal(err.code, 'REQUEST_INVALID');
});

test('a Session merges its default headers with each request', async () => {
  const session = new Session({ ...opts, headers: { 'X-App': 'demo', 'X-Over': 'session' } });
  try {
    const echoed = await (await session.get(url('/s'), { headers: { 'x-over': 'request' } })).json();
    assert.equal(echoed.headers['x-app'], 'demo');
    assert.equal(echoed.headers['x-over'], 'request');
  } finally {
    await session.close();
  }
});
