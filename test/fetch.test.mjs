// fetch(): a WHATWG Response on top of the core, checked against a local
// HTTPS server the way fetch code uses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fetch, Session, MicroHttpsError } from '../dist/index.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { localPki, rejection } from './helpers/core-client.mjs';

let pki, leaf, server, session, last;
// /hold writes a first part and waits here for the test to release the rest
let releaseHold;

async function handler(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  last = { method: req.method, url: req.url, headers: req.headers, body };
  switch (req.url) {
    case '/redirect': res.writeHead(301, { location: '/target' }); res.end('moved'); return;
    case '/target': res.writeHead(200, { 'content-type': 'text/plain' }); res.end('arrived'); return;
    case '/no-content': res.writeHead(204, { 'x-kind': 'empty' }); res.end(); return;
    case '/not-modified': res.writeHead(304, { etag: '"v1"' }); res.end(); return;
    case '/json': res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }); res.end('{"temperature":21.5,"unit":"C"}'); return;
    case '/hold': {
      res.writeHead(200, { 'content-type': 'text/plain' }); // no length: chunked
      res.write('first part;');
      const released = new Promise((resolve) => { releaseHold = resolve; });
      if (await released) res.end('second part');
      return;
    }
    case '/stall-head': return; // never answers (the socket is destroyed when the test ends)
    default: {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        method: req.method,
        contentType: req.headers['content-type'] ?? null,
        contentLength: req.headers['content-length'] ?? null,
        transferEncoding: req.headers['transfer-encoding'] ?? null,
        body: body.toString('utf8'),
      }));
    }
  }
}

before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
  session = new Session({ ca: pki.root.certPem, timeout: 5000 });
});
after(async () => {
  releaseHold?.(false);
  await session.close();
  await server.close();
  pki.cleanup();
});

const url = (p) => `https://localhost:${server.port}${p}`;
const f = (p, init = {}) => fetch(url(p), { session, ...init });

test('a WHATWG Response: status, statusText, headers, url, json()', async () => {
  const res = await f('/json');
  assert.ok(res instanceof Response);
  assert.equal(res.status, 200);
  assert.equal(res.statusText, 'OK');
  assert.equal(res.ok, true);
  assert.equal(res.url, url('/json'));
  assert.equal(res.redirected, false);
  assert.equal(res.headers.get('Content-Type'), 'application/json');
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.deepEqual(await res.json(), { temperature: 21.5, unit: 'C' });
  assert.equal(res.bodyUsed, true);
});

test('text() and arrayBuffer()', async () => {
  assert.equal(await (await f('/target')).text(), 'arrived');
  const buf = await (await f('/target')).arrayBuffer();
  assert.ok(buf instanceof ArrayBuffer);
  assert.equal(Buffer.from(buf).toString(), 'arrived');
});

test('the body is a ReadableStream that hands over data as it arrives', async () => {
  const res = await f('/hold');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const first = await reader.read(); // the server has sent only its first part so far
  assert.equal(decoder.decode(first.value), 'first part;');
  releaseHold(true);
  let rest = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += decoder.decode(r.value);
  assert.equal(rest, 'second part');
});

test('POST bodies: string, Uint8Array, URLSearchParams, Blob, FormData, with the Content-Type fetch implies', async () => {
  const send = async (body, headers) => (await f('/echo', { method: 'POST', body, headers })).json();
  assert.deepEqual(await send('plain text'), { method: 'POST', contentType: 'text/plain;charset=UTF-8', contentLength: '10', transferEncoding: null, body: 'plain text' });
  assert.deepEqual(await send(new Uint8Array([104, 105])), { method: 'POST', contentType: null, contentLength: '2', transferEncoding: null, body: 'hi' });
  const form = await send(new URLSearchParams({ a: '1', b: 'x y' }));
  assert.equal(form.contentType, 'application/x-www-form-urlencoded;charset=UTF-8');
  assert.equal(form.body, 'a=1&b=x+y');
  const json = await send(JSON.stringify({ on: true }), { 'Content-Type': 'application/json' });
  assert.equal(json.contentType, 'application/json'); // the caller's type wins
  const blob = await send(new Blob(['<p/>'], { type: 'text/html' }));
  assert.equal(blob.contentType, 'text/html');
  assert.equal(blob.body, '<p/>');
  const fd = new FormData();
  fd.append('sensor', 'greenhouse-1');
  fd.append('file', new Blob(['1,21.5\n'], { type: 'text/csv' }), 'reading.csv');
  const multipart = await send(fd);
  assert.match(multipart.contentType, /^multipart\/form-data; boundary=/);
  const parsed = await new Response(multipart.body, { headers: { 'content-type': multipart.contentType } }).formData();
  assert.equal(parsed.get('sensor'), 'greenhouse-1');
  assert.equal(parsed.get('file').name, 'reading.csv');
  assert.equal(await parsed.get('file').text(), '1,21.5\n');
});

test('a ReadableStream body is sent chunked, as it is pulled', async () => {
  const encoder = new TextEncoder();
  const parts = ['one,', 'two,', 'three'];
  const body = new ReadableStream({
    pull(controller) {
      if (parts.length) controller.enqueue(encoder.encode(parts.shift()));
      else controller.close();
    },
  });
  const echoed = await (await f('/echo', { method: 'POST', body, duplex: 'half' })).json();
  assert.deepEqual(echoed, { method: 'POST', contentType: null, contentLength: null, transferEncoding: 'chunked', body: 'one,two,three' });
});

test('a Request object as input', async () => {
  const req = new Request(url('/echo'), { method: 'PUT', body: 'from a Request', headers: { 'X-Test': '1' } });
  const echoed = await (await fetch(req, { session })).json();
  assert.equal(echoed.method, 'PUT');
  assert.equal(echoed.body, 'from a Request');
  assert.equal(echoed.contentType, 'text/plain;charset=UTF-8');
  assert.equal(last.headers['x-test'], '1');
});

test('redirect: "follow" (default) follows and sets redirected', async () => {
  const res = await f('/redirect');
  assert.equal(res.status, 200);
  assert.equal(res.redirected, true);
  assert.equal(res.url, url('/target'));
  assert.equal(await res.text(), 'arrived');
});

test('redirect: "manual" returns the 3xx itself', async () => {
  const res = await f('/redirect', { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.redirected, false);
  assert.equal(res.headers.get('location'), '/target');
  assert.equal(await res.text(), 'moved');
  assert.equal(last.url, '/redirect');
});

test('redirect: "error" rejects with a TypeError whose cause is REDIRECT', async () => {
  const err = await rejection(() => f('/redirect', { redirect: 'error' }));
  assert.ok(err instanceof TypeError);
  assert.ok(err.cause instanceof MicroHttpsError);
  assert.equal(err.cause.code, 'REDIRECT');
});

test('204 and 304 have a null body, and their connection is reused', async () => {
  const own = new Session({ ca: pki.root.certPem, timeout: 5000 });
  try {
    const before = server.connections;
    const empty = await fetch(url('/no-content'), { session: own });
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    assert.equal(empty.headers.get('x-kind'), 'empty');
    assert.equal(await empty.text(), '');
    const notModified = await fetch(url('/not-modified'), { session: own });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body, null);
    assert.equal(notModified.headers.get('etag'), '"v1"');
    assert.equal(server.connections - before, 1);
  } finally {
    await own.close();
  }
});

test('HEAD: headers, no body', async () => {
  const res = await f('/json', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.body, null);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(last.method, 'HEAD');
});

test('AbortSignal: aborting mid-body errors the stream with ABORTED', async () => {
  const controller = new AbortController();
  const res = await f('/hold', { signal: controller.signal });
  const reader = res.body.getReader();
  assert.equal(new TextDecoder().decode((await reader.read()).value), 'first part;');
  controller.abort();
  const err = await rejection(() => reader.read());
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'ABORTED');
  releaseHold(false);
});

test('AbortSignal: aborting while waiting for the head rejects the promise with ABORTED', async () => {
  const controller = new AbortController();
  const pending = f('/stall-head', { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  const err = await rejection(() => pending);
  assert.equal(err.code, 'ABORTED');
});

test('an already aborted signal rejects at once', async () => {
  const err = await rejection(() => f('/json', { signal: AbortSignal.abort() }));
  assert.equal(err.code, 'ABORTED');
});

test('a certificate error rejects with MicroHttpsError (CERT_UNTRUSTED without the CA)', async () => {
  const err = await rejection(() => fetch(url('/json'))); // Node's root store: the test CA is unknown
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'CERT_UNTRUSTED');
});

test('a name resolving to ::1 first (nothing there) then 127.0.0.1 connects on the second address', async () => {
  const lookup = async () => [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }];
  const res = await fetch(url('/target'), { ca: pki.root.certPem, lookup });
  assert.equal(await res.text(), 'arrived');
  // and ::1 alone really fails: the server listens on 127.0.0.1 only
  const err = await rejection(() => fetch(url('/target'), { ca: pki.root.certPem, lookup: async () => ({ address: '::1', family: 6 }) }));
  assert.equal(err.code, 'CONNECT');
});
