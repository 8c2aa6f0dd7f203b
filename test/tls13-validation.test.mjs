// The certificate matrix of test/tls-validation.test.mjs against TLS-1.3-only
// servers: our TLS 1.3 engine feeds the same X.509 policy, so every case
// must end with the same code and reason as over TLS 1.2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { validationCases, expectOutcome } from './helpers/validation-cases.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

const roots = {};
before(() => {
  roots.pki = makePki();
  roots.other = makePki({ cn: 'Untrusted Root' });
});
after(() => {
  roots.pki.cleanup();
  roots.other.cleanup();
});

// Where TLS 1.3 differs: an OpenSSL server checks its chain against our
// signature_algorithms_cert, which has no SHA-1, and refuses to serve it
// (handshake_failure) before we see the certificate.
const TLS13_OUTCOME = { 'SHA-1 signature': 'TLS_HANDSHAKE' };

for (const [name, make, host, ours12, , extra = {}] of validationCases(roots)) {
  const ours = TLS13_OUTCOME[name] ?? ours12;
  test(`TLS 1.3: ${name}: ${ours}`, async () => {
    const cert = make();
    const chain = cert.chainOnly === 'leaf' ? cert.certPem : (cert.chainPem ?? cert.certPem);
    // SECLEVEL=0 lets Node serve the weak certificates the client must refuse
    const server = await startHttpsServer({ key: cert.keyPem, cert: chain, tlsOptions: { minVersion: 'TLSv1.3', ciphers: 'DEFAULT@SECLEVEL=0' } });
    try {
      const url = `https://${host}:${server.port}/`;
      const options = { ca: roots.pki.root.certPem, lookup: loopback, minVersion: '1.3', maxVersion: '1.3', ...extra };
      await expectOutcome(url, options, ours, cert, 'TLSv1.3');
    } finally {
      await server.close();
    }
  });
}

test('TLS 1.3: no wall clock -> CERT_TIME_UNKNOWN (dates are never skipped)', async () => {
  const cert = roots.pki.issueLeaf();
  const server = await startHttpsServer({ key: cert.keyPem, cert: cert.certPem, tlsOptions: { minVersion: 'TLSv1.3' } });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, {
      ca: roots.pki.root.certPem, lookup: loopback, maxVersion: '1.3', clock: () => undefined,
    }));
    assert.equal(err.code, 'CERT_TIME_UNKNOWN', err.message);
  } finally {
    await server.close();
  }
});

test('TLS 1.3: insecure skips validation loudly, pins still apply', async () => {
  const cert = roots.other.issueLeaf();
  const server = await startHttpsServer({ key: cert.keyPem, cert: cert.chainPem, tlsOptions: { minVersion: 'TLSv1.3' } });
  try {
    const url = `https://localhost:${server.port}/`;
    const res = await get(url, { lookup: loopback, maxVersion: '1.3', insecure: true });
    assert.equal(res.tls.version, 'TLSv1.3');
    assert.equal(res.tls.insecure, true);
    await res.text();
    const err = await rejection(() => get(url, { lookup: loopback, maxVersion: '1.3', insecure: true, pin: 'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }));
    assert.equal(err.code, 'CERT_UNTRUSTED', err.message);
    assert.equal(err.reason, 'PIN_MISMATCH');
  } finally {
    await server.close();
  }
});
