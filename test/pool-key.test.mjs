// A pooled connection is shared only by requests with the same connection
// settings: each setting changed alone between two requests on one Session
// makes the second open its own connection (the server counts them), and the
// first settings still find their idle connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../dist/index.js';
import { CONNECTION_KEYS } from '../dist/options.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';

let pki, leaf, server, base, leafPin, exported;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler: (req, res) => res.end('ok') });
  base = { ca: pki.root.certPem, lookup: loopback };
  // a pin and an exported session (sessions are TLS 1.2's) of this server, for the cases below
  const probe = new Session({ ...base, sessionCache: false, maxVersion: '1.2' });
  try {
    const res = await probe.get(url());
    leafPin = res.tls.leafSpkiSha256;
    exported = res.tls.session;
  } finally {
    await probe.close();
  }
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = () => `https://localhost:${server.port}/`;
const otherLookup = async () => ({ address: '127.0.0.1', family: 4 });

/** For each connection setting: the settings of a first request, and of a second that changes only that one. */
const cases = () => ({
  ca: [{}, { ca: [pki.root.certPem] }],
  pin: [{}, { pin: leafPin }],
  insecure: [{}, { insecure: true }],
  // cert and key go together, so each changes alone from a pair: the same PEM as bytes is another value
  cert: [{ cert: leaf.certPem, key: leaf.keyPem }, { cert: Buffer.from(leaf.certPem), key: leaf.keyPem }],
  key: [{ cert: leaf.certPem, key: leaf.keyPem }, { cert: leaf.certPem, key: Buffer.from(leaf.keyPem) }],
  minVersion: [{}, { minVersion: '1.3' }],
  maxVersion: [{}, { maxVersion: '1.2' }],
  maxFragment: [{}, { maxFragment: 1024 }],
  suites: [{}, { suites: ['AES_128_GCM'] }],
  session: [{}, { session: exported }],
  sessionCache: [{}, { sessionCache: false }],
  servername: [{}, { servername: 'localhost' }],
  lookup: [{}, { lookup: otherLookup }],
  resolve: [{}, { resolve: { localhost: '127.0.0.1' } }],
  limits: [{}, { limits: { headerBytes: 8192 } }],
  clock: [{}, { clock: () => Date.now() }],
  core: [{}, { core: 'portable' }],
});

test('the cases cover every connection setting', () => {
  assert.deepEqual(Object.keys(cases()).sort(), [...CONNECTION_KEYS].sort());
});

for (const name of CONNECTION_KEYS) {
  test(`${name} changed alone: no connection is shared`, async () => {
    const [first, second] = cases()[name];
    const session = new Session();
    try {
      const one = await session.get(url(), { ...base, ...first });
      assert.equal(one.timings.reused, false);
      const opened = server.connections;
      const two = await session.get(url(), { ...base, ...second });
      assert.equal(two.timings.reused, false, `${name}: the second request must not reuse the first's connection`);
      assert.ok(server.connections > opened, `${name}: the server saw a new connection`);
      // the first settings still find their own idle connection: the pool itself works
      const three = await session.get(url(), { ...base, ...first });
      assert.equal(three.timings.reused, true, `${name}: the same settings share`);
    } finally {
      await session.close();
    }
  });
}

test('clock: () => undefined after a connection validated with the system clock fails with CERT_TIME_UNKNOWN on a new connection', async () => {
  const session = new Session(base);
  try {
    await session.get(url());
    assert.equal(session.idleConnections, 1);
    const opened = server.connections;
    const err = await rejection(() => session.get(url(), { clock: () => undefined }));
    assert.equal(err.code, 'CERT_TIME_UNKNOWN');
    assert.equal(server.connections, opened + 1, 'a connection of its own, not the idle one');
  } finally {
    await session.close();
  }
});

test('resolve written as a string list or as an object is one setting: they share', async () => {
  const session = new Session(base);
  try {
    await session.get(url(), { resolve: [`localhost:${server.port}:127.0.0.1`] });
    const res = await session.get(url(), { resolve: { [`localhost:${server.port}`]: '127.0.0.1' } });
    assert.equal(res.timings.reused, true);
  } finally {
    await session.close();
  }
});

test('minVersion and maxVersion given as their defaults share with leaving them out', async () => {
  const session = new Session(base);
  try {
    const one = await session.get(url());
    assert.equal(one.tls.version, 'TLSv1.3');
    const two = await session.get(url(), { minVersion: '1.2', maxVersion: '1.3' });
    assert.equal(two.timings.reused, true);
  } finally {
    await session.close();
  }
});
