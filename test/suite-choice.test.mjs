// The `suites` option (mh_tls_suites) against real servers that rank AES-GCM
// first, as Node's https server does by its own preference: the default offer
// gets AES-GCM, ChaCha20 only gets ChaCha20, and an AES-only server refuses a
// ChaCha20-only client with TLS_HANDSHAKE naming what was offered; over
// TLS 1.2 (maxVersion '1.2') and over TLS 1.3, where each family is one
// suite. Also the CLI's --ciphers and the checks on bad values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { get, Session, MicroHttpsError } from '../dist/index.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';
import { runNode } from './helpers/child.mjs';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const AES_FIRST = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305';
const AES_FIRST_13 = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

let pki, leaf, aesFirst, aesOnly, aesFirst13, aesOnly13;

before(async () => {
  ({ pki, leaf } = localPki());
  const tlsOptions = (ciphers) => ({ ciphers, honorCipherOrder: true, maxVersion: 'TLSv1.2' });
  aesFirst = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: tlsOptions(AES_FIRST) });
  aesOnly = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: tlsOptions('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384') });
  const tls13Options = (ciphers) => ({ ciphers, honorCipherOrder: true, minVersion: 'TLSv1.3' });
  aesFirst13 = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: tls13Options(AES_FIRST_13) });
  aesOnly13 = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: tls13Options('TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384') });
});

after(async () => {
  await aesFirst.close();
  await aesOnly.close();
  await aesFirst13.close();
  await aesOnly13.close();
  pki.cleanup();
});

const url = (server) => `https://localhost:${server.port}/`;
/** The suite a GET negotiated; TLS 1.2 unless the options say otherwise. */
const fetchCipher = async (server, options) => {
  const res = await get(url(server), { ca: pki.root.certPem, lookup: loopback, sessionCache: false, maxVersion: '1.2', ...options });
  await res.bytes();
  return res.tls.cipher;
};

for (const core of ['full', 'small']) {
  test(`${core} core: an AES-first server picks AES-GCM by default; suites: ['CHACHA20_POLY1305'] gets ChaCha20`, async () => {
    assert.equal(await fetchCipher(aesFirst, { core }), 'ECDHE-ECDSA-AES128-GCM-SHA256');
    assert.equal(await fetchCipher(aesFirst, { core, suites: ['CHACHA20_POLY1305'] }), 'ECDHE-ECDSA-CHACHA20-POLY1305');
    assert.equal(await fetchCipher(aesFirst, { core, suites: ['CHACHA20_POLY1305', 'AES_128_GCM'] }), 'ECDHE-ECDSA-AES128-GCM-SHA256');
  });
}

test('full core: suites: [\'AES_256_GCM\'] gets AES-256-GCM from a server that ranks AES-128 first', async () => {
  assert.equal(await fetchCipher(aesFirst, { suites: ['AES_256_GCM'] }), 'ECDHE-ECDSA-AES256-GCM-SHA384');
});

test('an AES-only server and a ChaCha20-only client: TLS_HANDSHAKE naming the suites offered', async () => {
  const err = await fetchCipher(aesOnly, { suites: ['CHACHA20_POLY1305'] }).then(() => null, (e) => e);
  assert.ok(err instanceof MicroHttpsError, String(err));
  assert.equal(err.code, 'TLS_HANDSHAKE');
  assert.equal(err.reason, 'NO_COMMON_SUITE');
  assert.match(err.message, /none of the TLS 1.2 cipher suites offered \(ECDHE-ECDSA and ECDHE-RSA with CHACHA20_POLY1305\)/);
  // the default offer names every suite the core has
  const small = await fetchCipher(aesOnly, { core: 'small', suites: ['CHACHA20_POLY1305'] }).then(() => null, (e) => e);
  assert.equal(small?.code, 'TLS_HANDSHAKE');
});

for (const core of ['full', 'portable']) {
  test(`${core} core, TLS 1.3: an AES-first server picks TLS_AES_128_GCM_SHA256 by default; each family is its one TLS 1.3 suite`, async () => {
    const tls13 = { core, maxVersion: '1.3' };
    assert.equal(await fetchCipher(aesFirst13, tls13), 'TLS_AES_128_GCM_SHA256');
    assert.equal(await fetchCipher(aesFirst13, { ...tls13, suites: ['CHACHA20_POLY1305'] }), 'TLS_CHACHA20_POLY1305_SHA256');
    assert.equal(await fetchCipher(aesFirst13, { ...tls13, suites: ['CHACHA20_POLY1305', 'AES_128_GCM'] }), 'TLS_AES_128_GCM_SHA256');
    if (core === 'full') assert.equal(await fetchCipher(aesFirst13, { ...tls13, suites: ['AES_256_GCM'] }), 'TLS_AES_256_GCM_SHA384');
  });
}

test('TLS 1.3: an AES-only server and a ChaCha20-only client: TLS_HANDSHAKE, NO_COMMON_SUITE, no fallback to TLS 1.2', async () => {
  const before = aesOnly13.connections;
  const err = await fetchCipher(aesOnly13, { maxVersion: '1.3', suites: ['CHACHA20_POLY1305'] }).then(() => null, (e) => e);
  assert.ok(err instanceof MicroHttpsError, String(err));
  assert.equal(err.code, 'TLS_HANDSHAKE');
  assert.equal(err.reason, 'NO_COMMON_SUITE');
  assert.match(err.message, /none of the TLS 1\.3 cipher suites offered \(TLS_CHACHA20_POLY1305_SHA256\)/);
  assert.match(err.message, /TLS 1\.2 \(ECDHE-ECDSA and ECDHE-RSA with CHACHA20_POLY1305\) was not tried/);
  assert.doesNotMatch(err.message, /DHE, static-RSA or CBC/);
  assert.equal(aesOnly13.connections - before, 1);
});

test('a wrong suites value is CONFIG, before any connection', async () => {
  const before = aesFirst.connections;
  for (const [suites, core, pattern] of [
    [['RC4_MD5'], 'full', /suites must be a non-empty array of CHACHA20_POLY1305, AES_128_GCM, AES_256_GCM/],
    [[], 'full', /suites must be a non-empty array/],
    ['CHACHA20_POLY1305', 'full', /suites must be a non-empty array/],
    [[1], 'full', /suites must be a non-empty array/],
    [['AES_256_GCM'], 'small', /the 'small' core has none of the suites AES_256_GCM; it has CHACHA20_POLY1305, AES_128_GCM/],
  ]) {
    await assert.rejects(fetchCipher(aesFirst, { core, suites }), (e) => e instanceof MicroHttpsError && e.code === 'CONFIG' && pattern.test(e.message));
  }
  assert.equal(aesFirst.connections, before);
});

test('suites are part of the pool key, and a cached session of a suite no longer offered is not resumed', async () => {
  const store = new Map();
  aesFirst.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  aesFirst.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  const session = new Session({ ca: pki.root.certPem, lookup: loopback, maxVersion: '1.2' });
  try {
    const before = aesFirst.connections;
    const aes = await session.get(url(aesFirst));
    await aes.bytes();
    assert.equal(aes.tls.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
    const chacha = await session.get(url(aesFirst), { suites: ['CHACHA20_POLY1305'] });
    await chacha.bytes();
    assert.equal(chacha.tls.cipher, 'ECDHE-ECDSA-CHACHA20-POLY1305');
    assert.equal(chacha.tls.resumed, false, 'the AES session was not offered to a ChaCha20-only handshake');
    assert.equal(aesFirst.connections - before, 2, 'a pooled AES connection does not serve a ChaCha20-only request');
  } finally {
    await session.close();
    aesFirst.server.removeAllListeners('newSession');
    aesFirst.server.removeAllListeners('resumeSession');
  }
});

test('CLI --ciphers takes a colon-separated list (any case, - or _); a wrong name is a usage error', async () => {
  const caFile = path.join(pki.dir, 'suite-ca.pem');
  fs.writeFileSync(caFile, pki.root.certPem);
  const args = ['-v', '--tls-max', '1.2', `https://localhost:${aesFirst.port}/`, '--ca', caFile, '--resolve', `localhost:${aesFirst.port}:127.0.0.1`];
  const chacha = await runNode(cliPath, [...args, '--ciphers', 'chacha20-poly1305']);
  assert.equal(chacha.code, 0, chacha.stderr);
  assert.match(chacha.stderr, /cipher ECDHE-ECDSA-CHACHA20-POLY1305/);
  const both = await runNode(cliPath, [...args, '--ciphers', 'CHACHA20_POLY1305:AES_128_GCM']);
  assert.match(both.stderr, /cipher ECDHE-ECDSA-AES128-GCM-SHA256/);
  const bad = await runNode(cliPath, [...args, '--ciphers', 'RC4']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--ciphers: suites must be a non-empty array of CHACHA20_POLY1305, AES_128_GCM, AES_256_GCM/);
});
