// Servers we must refuse for their protocol, and mutual TLS. Old TLS
// versions come from `openssl s_server` (Node will not serve TLS 1.0/1.1 to
// us); suites and client certificates from Node's own tls server. Each case
// also runs Node's https client, for the table in docs/security.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { get, MicroHttpsError } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';
import { startHttpsServer, startRawServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

const OPENSSL = process.env.OPENSSL || '/usr/bin/openssl';
let pki, rsaLeaf, ecLeaf, clientPki;
before(() => {
  pki = makePki();
  rsaLeaf = pki.issueLeaf({ key: 'rsa-2048' });
  ecLeaf = pki.issueLeaf();
  clientPki = makePki({ cn: 'Client Root' });
});
after(() => {
  pki.cleanup();
  clientPki.cleanup();
});

/** Node's https client: 'OK' or its error code. */
function nodeOutcome(url, extra = {}) {
  return new Promise((resolve) => {
    const req = https.get(url, { ca: pki.root.certPem, agent: false, ...extra }, (res) => {
      res.resume();
      resolve('OK');
    });
    req.on('error', (err) => resolve(err.code));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `openssl s_server -www` on 127.0.0.1 with extra flags; stopped by the test. */
async function startOpensslServer(leaf, flags) {
  const dir = fs.mkdtempSync(path.join(pki.dir, 's_server-'));
  fs.writeFileSync(path.join(dir, 'cert.pem'), leaf.chainPem);
  fs.writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem);
  const port = await freePort();
  const child = spawn(OPENSSL, ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', path.join(dir, 'cert.pem'),
    '-key', path.join(dir, 'key.pem'), '-www', '-quiet', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('openssl s_server did not start')), 5000);
    const poll = () => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); clearTimeout(timer); resolve(); });
      c.on('error', () => setTimeout(poll, 50));
    };
    child.on('exit', (code) => reject(new Error(`openssl s_server exited with ${code}`)));
    poll();
  });
  return { port, close: () => new Promise((resolve) => { child.once('exit', resolve); child.kill(); }) };
}

const serverCases = [
  // name, start, our reason and message, Node's outcome
  ['TLS 1.0 only (openssl s_server -tls1)', () => startOpensslServer(rsaLeaf, ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0']), 'SERVER_OLD_VERSION', /wants TLSv1;/, 'EPROTO'],
  ['TLS 1.1 only (openssl s_server -tls1_1)', () => startOpensslServer(rsaLeaf, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']), 'SERVER_OLD_VERSION', /wants TLSv1\.1/, 'EPROTO'],
  ['DHE suites only', () => startHttpsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.chainPem, tlsOptions: { ciphers: 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384', dhparam: 'auto', maxVersion: 'TLSv1.2' } }), 'NO_COMMON_SUITE', /only DHE/, 'OK'],
  ['CBC suites only', () => startHttpsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.chainPem, tlsOptions: { ciphers: 'ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA', maxVersion: 'TLSv1.2' } }), 'NO_COMMON_SUITE', /CBC/, 'OK'],
  ['static RSA key exchange only', () => startHttpsServer({ key: rsaLeaf.keyPem, cert: rsaLeaf.chainPem, tlsOptions: { ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384', maxVersion: 'TLSv1.2' } }), 'NO_COMMON_SUITE', /static-RSA/, 'OK'],
];

for (const [name, start, reason, message, node] of serverCases) {
  test(`${name}: ours TLS_HANDSHAKE/${reason}, Node ${node}`, async () => {
    const server = await start();
    try {
      const url = `https://localhost:${server.port}/`;
      const err = await rejection(() => get(url, { ca: pki.root.certPem, lookup: loopback }));
      assert.ok(err instanceof MicroHttpsError, err.stack);
      assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
      assert.equal(err.reason, reason);
      assert.match(err.message, message);
      assert.equal(await nodeOutcome(url), node);
    } finally {
      await server.close();
    }
  });
}

/** A server that answers any ClientHello with a bare ServerHello of this version and suite. */
function helloServer(version, suite) {
  const body = [version >> 8, version & 255, ...Array(32).fill(7), 0, suite >> 8, suite & 255, 0];
  const hs = [2, 0, 0, body.length, ...body];
  const rec = Buffer.from([22, 3, version & 255, 0, hs.length, ...hs]);
  return startRawServer({ onConnection: (socket) => socket.once('data', () => socket.end(rec)) });
}

test('a ServerHello choosing TLS 1.1 -> TLS_HANDSHAKE naming TLSv1.1', async () => {
  const server = await helloServer(0x0302, 0x002f);
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback }));
    assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
    assert.equal(err.reason, 'SERVER_OLD_VERSION');
    assert.match(err.message, /wants TLSv1\.1;/);
  } finally {
    await server.close();
  }
});

test('a ServerHello choosing a suite we did not offer -> TLS_HANDSHAKE naming the suite', async () => {
  const server = await helloServer(0x0303, 0x0033);
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback }));
    assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
    assert.equal(err.reason, 'SERVER_SUITE');
    assert.match(err.message, /chose DHE-RSA-AES128-SHA/);
  } finally {
    await server.close();
  }
});

test('openssl s_server with TLS 1.2 and ECDHE is accepted (the control case)', async () => {
  const server = await startOpensslServer(ecLeaf, ['-tls1_2']);
  try {
    const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback });
    assert.equal(res.status, 200);
    assert.equal(res.tls.version, 'TLSv1.2');
    res.close();
  } finally {
    await server.close();
  }
});

// ---- client certificates ----------------------------------------------

/** A server that wants a client certificate from clientPki; replies with the CN it saw. */
function mtlsServer({ required }) {
  return startHttpsServer({
    key: ecLeaf.keyPem, cert: ecLeaf.chainPem,
    tlsOptions: { requestCert: true, rejectUnauthorized: required, ca: clientPki.root.certPem, maxVersion: 'TLSv1.2' },
    handler(req, res) {
      const peer = req.socket.getPeerCertificate();
      res.end(JSON.stringify({ cn: peer?.subject?.CN ?? null, authorized: req.socket.authorized }));
    },
  });
}

for (const key of ['ec-p256', 'ec-p384', 'rsa-2048']) {
  test(`client certificate required, ${key} certificate given: accepted`, async () => {
    const device = clientPki.issueLeaf({ cn: `device-${key}`, dns: [], eku: ['clientAuth'], key });
    const server = await mtlsServer({ required: true });
    try {
      const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, cert: device.chainPem, key: device.keyPem });
      assert.deepEqual(await res.json(), { cn: `device-${key}`, authorized: true });
      assert.equal(await nodeOutcome(`https://localhost:${server.port}/`, { cert: device.chainPem, key: device.keyPem }), 'OK');
    } finally {
      await server.close();
    }
  });
}

test('client certificate required and missing -> TLS_CLIENT_CERT (CLIENT_CERT_REQUESTED)', async () => {
  const server = await mtlsServer({ required: true });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback }));
    assert.equal(err.code, 'TLS_CLIENT_CERT', err.message);
    assert.equal(err.reason, 'CLIENT_CERT_REQUESTED');
    assert.match(err.message, /pass cert and key/);
    assert.notEqual(await nodeOutcome(`https://localhost:${server.port}/`), 'OK');
  } finally {
    await server.close();
  }
});

test('client certificate optional and missing: accepted, the server sees none', async () => {
  const server = await mtlsServer({ required: false });
  try {
    const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback });
    assert.deepEqual(await res.json(), { cn: null, authorized: false });
  } finally {
    await server.close();
  }
});

test('client certificate from a CA the server does not trust -> TLS_CLIENT_CERT (CLIENT_CERT_REJECTED)', async () => {
  const stranger = pki.issueLeaf({ cn: 'stranger', dns: [], eku: ['clientAuth'] });
  const server = await mtlsServer({ required: true });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, cert: stranger.chainPem, key: stranger.keyPem }));
    assert.equal(err.code, 'TLS_CLIENT_CERT', err.message);
    assert.equal(err.reason, 'CLIENT_CERT_REJECTED');
    assert.notEqual(await nodeOutcome(`https://localhost:${server.port}/`, { cert: stranger.chainPem, key: stranger.keyPem }), 'OK');
  } finally {
    await server.close();
  }
});

test('bad client identities are refused before connecting (CONFIG)', async () => {
  const weak = clientPki.issueLeaf({ key: 'rsa-1024', dns: [], eku: ['clientAuth'] });
  const device = clientPki.issueLeaf({ dns: [], eku: ['clientAuth'] });
  const server = await mtlsServer({ required: true });
  try {
    const base = { ca: pki.root.certPem, lookup: loopback };
    for (const [what, extra] of [
      ['RSA 1024 key', { cert: weak.chainPem, key: weak.keyPem }],
      ['cert without key', { cert: device.chainPem }],
      ['key without cert', { key: device.keyPem }],
      ['not PEM', { cert: 'hello', key: device.keyPem }],
    ]) {
      const err = await rejection(() => get(`https://localhost:${server.port}/`, { ...base, ...extra }));
      assert.equal(err.code, 'CONFIG', `${what}: ${err.message}`);
    }
    assert.equal(server.connections, 0);
  } finally {
    await server.close();
  }
});
