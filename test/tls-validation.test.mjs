// The certificate matrix (badssl-style, recreated on 127.0.0.1): every
// validation rule, with the accept and the reject side of each name rule.
// Each case also runs Node's own https client against the same server, so
// the ours-vs-Node table in docs/security.md is checked, not just written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { get } from '../dist/index.js';
import { makePki, spkiSha256Base64 } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { validationCases, expectOutcome } from './helpers/validation-cases.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

let pki, other;
const roots = {};
before(() => {
  pki = roots.pki = makePki();
  other = roots.other = makePki({ cn: 'Untrusted Root' });
});
after(() => {
  pki.cleanup();
  other.cleanup();
});

/** Node's https client on the same URL and trust: 'OK' or its error code. */
function nodeOutcome(url, { servername } = {}) {
  return new Promise((resolve) => {
    const req = https.get(url, {
      ca: pki.root.certPem, agent: false, servername,
      lookup: (host, opts, cb) => (opts?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)),
    }, (res) => {
      res.resume();
      resolve('OK');
    });
    req.on('error', (err) => resolve(err.code));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

for (const [name, make, host, ours, node, extra = {}] of validationCases(roots)) {
  test(`${name}: ours ${ours}, Node ${node}`, async () => {
    const cert = make();
    const chain = cert.chainOnly === 'leaf' ? cert.certPem : (cert.chainPem ?? cert.certPem);
    // SECLEVEL=0 lets Node serve the weak certificates the client must refuse
    const server = await startHttpsServer({ key: cert.keyPem, cert: chain, tlsOptions: { ciphers: 'DEFAULT@SECLEVEL=0' } });
    try {
      const url = `https://${host}:${server.port}/`;
      const options = { ca: pki.root.certPem, lookup: loopback, maxVersion: '1.2', ...extra };
      await expectOutcome(url, options, ours, cert, 'TLSv1.2');
      const servername = extra.servername?.replace(/^\[|\]$/g, '');
      assert.equal(await nodeOutcome(url, { servername }), node);
    } finally {
      await server.close();
    }
  });
}

test('the error names the certificate at fault: the expired intermediate, not the leaf', async () => {
  const inter = pki.issueIntermediate({ cn: 'Expired Intermediate', notBeforeDays: -30, notAfterDays: -2 });
  const leaf = inter.issueLeaf({ cn: 'fine leaf' });
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback }));
    assert.equal(err.code, 'CERT_EXPIRED');
    assert.equal(err.subject, 'CN=Expired Intermediate');
    assert.equal(err.detailName, 'BR_ERR_X509_EXPIRED');
    assert.match(err.message, /certificate: CN=Expired Intermediate/);
  } finally {
    await server.close();
  }
});

test('no wall clock -> CERT_TIME_UNKNOWN (dates are never skipped)', async () => {
  const leaf = pki.issueLeaf();
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, clock: () => undefined }));
    assert.equal(err.code, 'CERT_TIME_UNKNOWN');
    const before2024 = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, clock: () => Date.UTC(2020, 0, 1) }));
    assert.equal(before2024.code, 'CERT_TIME_UNKNOWN');
  } finally {
    await server.close();
  }
});

test('response.tls summarises the chain: subjects, issuers, validity, SANs, SPKI hashes', async () => {
  const inter = pki.issueIntermediate({ cn: 'Summary Intermediate', key: 'ec-p384' });
  const leaf = inter.issueLeaf({ cn: 'summary leaf', dns: ['localhost', '*.svc.example'], ips: ['127.0.0.1', '2001:db8::7'] });
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback });
    await res.text();
    const [l, i] = res.tls.peerCertificates;
    assert.equal(res.tls.peerCertificates.length, 2);
    assert.equal(l.subject, 'CN=summary leaf');
    assert.equal(l.issuer, 'CN=Summary Intermediate');
    assert.deepEqual(l.subjectAltNames, ['DNS:localhost', 'DNS:*.svc.example', 'IP:127.0.0.1', 'IP:2001:db8::7']);
    assert.ok(l.validFrom < new Date() && new Date() < l.validTo);
    assert.equal(i.subject, 'CN=Summary Intermediate');
    assert.equal(i.issuer, 'CN=microhttps Test Root');
    assert.equal(i.spkiSha256, `sha256/${spkiSha256Base64(inter.certPem)}`);
    assert.equal(res.tls.leafSpkiSha256, l.spkiSha256);
    assert.equal(res.tls.insecure, undefined);
  } finally {
    await server.close();
  }
});

test('IP literal forms: an uncompressed, upper-case IPv6 and a bracketed one prove the same iPAddress SAN; SNI is not sent', async () => {
  const leaf = pki.issueLeaf({ dns: ['localhost'], ips: ['2001:db8::1'] });
  let sniSeen = 'unset';
  const server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    tlsOptions: { SNICallback: (name, cb) => { sniSeen = name; cb(null, null); } },
  });
  server.server.on('secureConnection', (s) => { if (sniSeen === 'unset') sniSeen = s.servername ?? null; });
  try {
    for (const servername of ['2001:DB8:0:0:0:0:0:1', '[2001:db8::1]', '2001:db8:0::0:1']) {
      sniSeen = 'unset';
      const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, servername });
      assert.equal(res.status, 200, servername);
      await res.text();
      assert.ok(sniSeen === null || sniSeen === false || sniSeen === undefined, `SNI sent: ${sniSeen}`);
    }
    sniSeen = 'unset';
    const named = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback });
    await named.text();
    assert.equal(sniSeen, 'localhost', 'a DNS name is sent as SNI');
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, servername: '2001:db8::2' }));
    assert.equal(err.code, 'CERT_HOSTNAME_MISMATCH');
  } finally {
    await server.close();
  }
});

test('an RSA key above 4096 bits: the message names BearSSL\'s limit and the certificate, not "malformed"', async () => {
  const leaf = pki.issueLeaf({ cn: 'big key', key: 'rsa-4160' });
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback }));
    assert.equal(err.code, 'CERT_INVALID');
    assert.equal(err.reason, 'RSA_KEY_TOO_LARGE');
    assert.equal(err.subject, 'CN=big key');
    assert.match(err.message, /RSA key, or the RSA key that signed it, is larger than 4096 bits, the most BearSSL supports/);
  } finally {
    await server.close();
  }
});
