// Trust options: pins (curl --pinnedpubkey semantics over the validated
// chain) and insecure (validation skipped only when asked, and loudly).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, MicroHttpsError } from '../dist/index.js';
import { makePki, spkiSha256Base64 } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

let pki, inter, leaf, server;
before(async () => {
  pki = makePki();
  inter = pki.issueIntermediate({ cn: 'Pin Intermediate' });
  leaf = inter.issueLeaf();
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = () => `https://localhost:${server.port}/`;
const pinOf = (pem) => `sha256/${spkiSha256Base64(pem)}`;
const trusted = (extra) => ({ ca: pki.root.certPem, lookup: loopback, ...extra });

test('a pin on the leaf key is accepted; response.tls gives the leaf pin', async () => {
  const res = await get(url(), trusted({ pin: [pinOf(leaf.certPem)] }));
  assert.equal(res.status, 200);
  assert.equal(res.tls.leafSpkiSha256, pinOf(leaf.certPem));
  await res.text();
});

test('a pin on the intermediate key is accepted (any key of the validated chain)', async () => {
  const res = await get(url(), trusted({ pin: ['sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', pinOf(inter.certPem)] }));
  assert.equal(res.status, 200);
  await res.text();
});

test('no pin matches -> CERT_UNTRUSTED with reason PIN_MISMATCH', async () => {
  const err = await rejection(() => get(url(), trusted({ pin: [pinOf(pki.issueLeaf().certPem)] })));
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'CERT_UNTRUSTED');
  assert.equal(err.reason, 'PIN_MISMATCH');
  assert.match(err.message, /pin/);
});

test('the root key is not a pin target when the server does not send the root', async () => {
  const err = await rejection(() => get(url(), trusted({ pin: pinOf(pki.root.certPem) })));
  assert.equal(err.reason, 'PIN_MISMATCH');
});

test('a pin does not replace validation: a pinned but untrusted chain fails', async () => {
  const unrelatedRoot = pki.selfSigned({ cn: 'unrelated' }).certPem;
  const err = await rejection(() => get(url(), { ca: unrelatedRoot, lookup: loopback, pin: pinOf(leaf.certPem) }));
  assert.equal(err.code, 'CERT_UNTRUSTED');
  assert.equal(err.reason, undefined);
});

test('malformed pins are refused before connecting', async () => {
  for (const pin of ['sha256/short', 'sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', []]) {
    const err = await rejection(() => get(url(), trusted({ pin })));
    assert.equal(err.code, 'CONFIG', String(pin));
  }
  const tooMany = Array.from({ length: 9 }, () => pinOf(leaf.certPem));
  assert.equal((await rejection(() => get(url(), trusted({ pin: tooMany })))).code, 'CONFIG');
});

/** Runs fn and returns the SecurityWarnings emitted meanwhile. */
async function warningsDuring(fn) {
  const seen = [];
  const onWarning = (w) => seen.push(w);
  process.on('warning', onWarning);
  try {
    await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning);
  }
  return seen.filter((w) => w.code === 'MICROHTTPS_INSECURE');
}

test('insecure: a self-signed, expired certificate for another name is accepted, loudly', async () => {
  const bad = pki.selfSigned({ cn: 'bad', dns: ['other.example'], notBeforeDays: -30, notAfterDays: -1 });
  const s = await startHttpsServer({ key: bad.keyPem, cert: bad.certPem });
  try {
    let res;
    const warnings = await warningsDuring(async () => {
      res = await get(`https://localhost:${s.port}/`, { lookup: loopback, insecure: true });
    });
    assert.equal(res.status, 200);
    assert.equal(res.tls.insecure, true);
    assert.equal(res.tls.peerCertificates[0].subject, 'CN=bad');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].message, /validation is OFF/);
    await res.text();
    // and without insecure the same server is refused (dates are checked first)
    assert.equal((await rejection(() => get(`https://localhost:${s.port}/`, { lookup: loopback }))).code, 'CERT_EXPIRED');
  } finally {
    await s.close();
  }
});

test('insecure with a pin: the pin still has to match a key the server sent', async () => {
  const self = pki.selfSigned();
  const s = await startHttpsServer({ key: self.keyPem, cert: self.certPem });
  try {
    const ok = await get(`https://localhost:${s.port}/`, { lookup: loopback, insecure: true, pin: pinOf(self.certPem) });
    assert.equal(ok.status, 200);
    await ok.text();
    const err = await rejection(() => get(`https://localhost:${s.port}/`, { lookup: loopback, insecure: true, pin: pinOf(leaf.certPem) }));
    assert.equal(err.code, 'CERT_UNTRUSTED');
    assert.equal(err.reason, 'PIN_MISMATCH');
  } finally {
    await s.close();
  }
});

test('a secure response says nothing about insecure', async () => {
  const res = await get(url(), trusted());
  assert.equal(res.tls.insecure, undefined);
  await res.text();
});
