// The skeleton end to end: real servers on 127.0.0.1, real certificates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, post, request, MicroHttpsError, Connection } from '../dist/index.js';
import { startHttpsServer, startHttpServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';
import { withoutStackPeak } from './helpers/memory.mjs';

let pki, leaf, server;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({
    key: leaf.keyPem,
    cert: leaf.chainPem,
    handler(req, res) {
      if (req.url === '/chunked') {
        res.setHeader('Content-Type', 'text/plain');
        for (let i = 0; i < 20; i++) res.write(`line ${i}\n`); // no length: Node sends chunked
        res.end();
        return;
      }
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null }));
      });
    },
  });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const opts = () => ({ ca: pki.root.certPem, lookup: loopback });
const url = (path) => `https://localhost:${server.port}${path}`;

test('HTTPS GET with a CA made at test time', async () => {
  const res = await get(url('/hello?x=1'), opts());
  assert.equal(res.status, 200);
  assert.equal(res.reason, 'OK');
  assert.equal(res.ok, true);
  assert.equal(res.headers.get('CONTENT-TYPE'), 'application/json');
  assert.deepEqual(await res.json(), { method: 'GET', url: '/hello?x=1', body: '', type: null });
  assert.equal(res.tls.version, 'TLSv1.3', 'TLS 1.3 by default');
  assert.match(res.tls.cipher, /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
});

test('HTTPS POST with a JSON body', async () => {
  const res = await post(url('/items'), { ...opts(), json: { name: 'sensor', value: 42 } });
  assert.equal(res.status, 200);
  const echoed = await res.json();
  assert.equal(echoed.method, 'POST');
  assert.equal(echoed.type, 'application/json');
  assert.deepEqual(JSON.parse(echoed.body), { name: 'sensor', value: 42 });
});

test('a chunked response is decoded', async () => {
  const res = await get(url('/chunked'), opts());
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  const expected = Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join('');
  assert.equal(await res.text(), expected);
});

test('headers iterate in order as [name, value] pairs', async () => {
  const res = await get(url('/'), opts());
  const names = [...res.headers].map(([n]) => n.toLowerCase());
  assert.deepEqual(names.slice(0, 2), ['content-type', 'date']);
  await res.close();
});

test('50 sequential requests leave the core memory unchanged', async () => {
  // one connection, keep-alive: the same core instance serves every request
  const conn = await Connection.open({ host: 'localhost', port: server.port, tls: true, ca: pki.root.certPem, lookup: loopback, timeout: { connect: 5000, read: 5000 } });
  const memory = () => ({ ...withoutStackPeak(conn.core.memoryReport()), bytes: conn.core.x.memory.buffer.byteLength });
  const first = memory();
  try {
    for (let i = 0; i < 50; i++) {
      let ev = await conn.send({ method: 'GET', target: `/n/${i}`, host: 'localhost', headers: [] });
      assert.equal(conn.head().status, 200);
      let body = '';
      while ((ev = await conn.next('body')) !== 7 /* EV_DONE */) body += conn.bodyChunk().toString();
      assert.equal(JSON.parse(body).url, `/n/${i}`);
      assert.ok(conn.keepAlive);
      assert.deepEqual(memory(), first);
    }
  } finally {
    await conn.close();
  }
  assert.equal(server.connections >= 1, true);
});

test('expired server certificate -> CERT_EXPIRED', async () => {
  const expired = pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 });
  const s = await startHttpsServer({ key: expired.keyPem, cert: expired.chainPem });
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts()));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'CERT_EXPIRED');
    assert.equal(err.detailName, 'BR_ERR_X509_EXPIRED');
    assert.match(err.message, /expired/);
  } finally {
    await s.close();
  }
});

test('certificate for another name -> CERT_HOSTNAME_MISMATCH', async () => {
  const other = pki.issueLeaf({ cn: 'other.example', dns: ['other.example'] });
  const s = await startHttpsServer({ key: other.keyPem, cert: other.chainPem });
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts()));
    assert.equal(err.code, 'CERT_HOSTNAME_MISMATCH');
  } finally {
    await s.close();
  }
});

test('self-signed certificate not in ca -> CERT_UNTRUSTED (with ca, and with Node\'s root store)', async () => {
  const self = pki.selfSigned({ dns: ['localhost'] });
  const s = await startHttpsServer({ key: self.keyPem, cert: self.certPem });
  try {
    const withCa = await rejection(() => get(`https://localhost:${s.port}/`, opts()));
    assert.equal(withCa.code, 'CERT_UNTRUSTED');
    const withRoots = await rejection(() => get(`https://localhost:${s.port}/`, { lookup: loopback }));
    assert.equal(withRoots.code, 'CERT_UNTRUSTED');
    // and trusted once it is the ca
    const ok = await get(`https://localhost:${s.port}/`, { ca: self.certPem, lookup: loopback });
    assert.equal(ok.status, 200);
    await ok.close();
  } finally {
    await s.close();
  }
});

test('http:// GET uses the same HTTP layer without TLS', async () => {
  const s = await startHttpServer({});
  try {
    const res = await request(`http://127.0.0.1:${s.port}/plain?q=1`);
    assert.equal(res.status, 200);
    assert.equal(res.tls, undefined);
    assert.equal(JSON.parse(await res.text()).url, '/plain?q=1');
  } finally {
    await s.close();
  }
});
