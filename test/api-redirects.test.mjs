// Redirects: method and body rules per status, relative locations, limits,
// and credentials that never follow to another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, request } from '../dist/index.js';
import { startHttpServer } from './helpers/servers.mjs';
import { rejection } from './helpers/core-client.mjs';

function echo(req, res) {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const m = /^\/redirect\/(\d{3})(?:\/(.*))?$/.exec(req.url);
    if (m) {
      res.statusCode = Number(m[1]);
      res.setHeader('Location', decodeURIComponent(m[2] ?? '/final'));
      res.end('moved');
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, body: Buffer.concat(parts).toString(), auth: req.headers.authorization ?? null, host: req.headers.host }));
  });
}

let a, b;
before(async () => {
  a = await startHttpServer({ handler: echo });
  b = await startHttpServer({ handler: echo });
});
after(async () => Promise.all([a.close(), b.close()]));

const at = (server, path) => `http://127.0.0.1:${server.port}${path}`;

for (const status of [301, 302]) {
  test(`${status} turns POST into GET without a body`, async () => {
    const res = await post(at(a, `/redirect/${status}`), { data: 'x=1' });
    const echoed = await res.json();
    assert.deepEqual([echoed.method, echoed.body, echoed.url], ['GET', '', '/final']);
    assert.equal(res.url, at(a, '/final'));
    assert.equal(res.history.length, 1);
    assert.equal(res.history[0].status, status);
  });
}

test('303 turns any method into GET', async () => {
  const echoed = await (await request(at(a, '/redirect/303'), { method: 'PUT', body: 'data' })).json();
  assert.deepEqual([echoed.method, echoed.body], ['GET', '']);
});

for (const status of [307, 308]) {
  test(`${status} keeps the method and the body`, async () => {
    const echoed = await (await post(at(a, `/redirect/${status}`), { json: { k: 'v' } })).json();
    assert.deepEqual([echoed.method, echoed.body], ['POST', '{"k":"v"}']);
  });
}

test('relative and absolute locations; across origins Authorization is dropped', async () => {
  const sameOrigin = await (await get(at(a, '/redirect/302/' + encodeURIComponent('../final?x=1')), { auth: ['u', 'p'] })).json();
  assert.equal(sameOrigin.url, '/redirect/final?x=1'); // resolved against /redirect/302/...
  assert.ok(sameOrigin.auth, 'same origin keeps auth');
  const target = encodeURIComponent(at(b, '/elsewhere'));
  const cross = await (await get(at(a, `/redirect/302/${target}`), { auth: ['u', 'p'], headers: { Authorization: 'Bearer secret' } })).json();
  assert.equal(cross.host, `127.0.0.1:${b.port}`);
  assert.equal(cross.auth, null);
});

test('redirect: false (or 0) returns the 3xx response itself', async () => {
  const res = await get(at(a, '/redirect/302'), { redirect: false });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/final');
  assert.equal(await res.text(), 'moved');
});

test('more redirects than allowed -> REDIRECT', async () => {
  const loop = encodeURIComponent('/redirect/302/' + encodeURIComponent('/redirect/302/' + encodeURIComponent('/redirect/302')));
  const err = await rejection(() => get(at(a, `/redirect/302/${loop}`), { redirect: 2 }));
  assert.equal(err.code, 'REDIRECT');
});

test('a streamed body is not replayed: a 307 is handed back as is', async () => {
  async function* body() {
    yield 'once';
  }
  const res = await post(at(a, '/redirect/307'), { body: body() });
  assert.equal(res.status, 307);
});

test('redirect to an unsupported scheme -> REDIRECT', async () => {
  const err = await rejection(() => get(at(a, `/redirect/302/${encodeURIComponent('ftp://x/')}`)));
  assert.equal(err.code, 'REDIRECT');
});
