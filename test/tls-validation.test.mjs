// The certificate matrix (badssl-style, recreated on 127.0.0.1): every
// validation rule, with the accept and the reject side of each name rule.
// Each case also runs Node's own https client against the same server, so
// the ours-vs-Node table in docs/security.md is checked, not just written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { get, MicroHttpsError } from '../dist/index.js';
import { makePki, spkiSha256Base64 } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

let pki, other;
before(() => {
  pki = makePki();
  other = makePki({ cn: 'Untrusted Root' });
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

/** An issuer made from a certificate that is not a CA (for the "issuer is not a CA" case). */
function leafAsIssuer(leaf) {
  const dir = fs.mkdtempSync(path.join(pki.dir, 'notca-'));
  fs.writeFileSync(path.join(dir, 'cert.pem'), leaf.certPem);
  fs.writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem);
  return { certPath: path.join(dir, 'cert.pem'), keyPath: path.join(dir, 'key.pem'), chain: [leaf.certPem] };
}

/** A copy of a certificate's PEM with one byte of its signature flipped. */
function badSignature(certPem) {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 5] ^= 0x01;
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
}

// name: [make server cert, host in the URL, our outcome, Node's outcome, extra options]
// Outcomes: 'OK' or an error code; ours may carry a reason as 'CODE/REASON'.
const cases = [
  ['valid leaf via intermediate', () => pki.issueIntermediate().issueLeaf(), 'localhost', 'OK', 'OK'],
  ['ECDSA P-384 chain', () => pki.issueIntermediate({ key: 'ec-p384' }).issueLeaf({ key: 'ec-p384' }), 'localhost', 'OK', 'OK'],
  ['RSA 2048 chain', () => pki.issueIntermediate({ key: 'rsa-2048' }).issueLeaf({ key: 'rsa-2048' }), 'localhost', 'OK', 'OK'],
  ['RSA 4096 chain', () => pki.issueIntermediate({ key: 'rsa-4096' }).issueLeaf({ key: 'rsa-2048' }), 'localhost', 'OK', 'OK'],
  ['expired leaf', () => pki.issueLeaf({ notBeforeDays: -30, notAfterDays: -1 }), 'localhost', 'CERT_EXPIRED', 'CERT_HAS_EXPIRED'],
  ['not yet valid leaf', () => pki.issueLeaf({ notBeforeDays: 2, notAfterDays: 30 }), 'localhost', 'CERT_NOT_YET_VALID', 'CERT_NOT_YET_VALID'],
  ['expired intermediate', () => pki.issueIntermediate({ notBeforeDays: -30, notAfterDays: -2 }).issueLeaf(), 'localhost', 'CERT_EXPIRED', 'CERT_HAS_EXPIRED'],
  ['not yet valid intermediate', () => pki.issueIntermediate({ notBeforeDays: 2, notAfterDays: 30 }).issueLeaf(), 'localhost', 'CERT_NOT_YET_VALID', 'CERT_NOT_YET_VALID'],
  ['self-signed', () => pki.selfSigned(), 'localhost', 'CERT_UNTRUSTED', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ['unknown root', () => other.issueIntermediate().issueLeaf(), 'localhost', 'CERT_UNTRUSTED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
  ['incomplete chain (no intermediate sent)', () => ({ ...pki.issueIntermediate().issueLeaf(), chainOnly: 'leaf' }), 'localhost', 'CERT_UNTRUSTED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ['bad signature (issuer sent in the chain)', () => { const i = pki.issueIntermediate(); const l = i.issueLeaf(); return { ...l, chainPem: badSignature(l.certPem) + i.certPem }; }, 'localhost', 'CERT_INVALID', 'CERT_SIGNATURE_FAILURE'],
  ['bad signature (issuer is the root)', () => { const l = pki.issueLeaf(); return { ...l, chainPem: badSignature(l.certPem) }; }, 'localhost', 'CERT_INVALID/ANCHOR_SIGNATURE', 'CERT_SIGNATURE_FAILURE'],
  ['SHA-1 signature', () => pki.issueLeaf({ hash: 'sha1' }), 'localhost', 'CERT_INVALID/WEAK_SIGNATURE_HASH', 'UNSPECIFIED'],
  ['issuer is not a CA', () => pki.issueLeaf({ issuer: leafAsIssuer(pki.issueLeaf({ cn: 'Not A CA' })) }), 'localhost', 'CERT_INVALID', 'UNSPECIFIED'],
  ['path length exceeded', () => pki.issueIntermediate({ pathLen: 0 }).issueIntermediate().issueLeaf(), 'localhost', 'CERT_INVALID', 'PATH_LENGTH_EXCEEDED'],
  ['RSA 1024 leaf', () => pki.issueLeaf({ key: 'rsa-1024' }), 'localhost', 'CERT_INVALID', 'OK'],
  // BearSSL's fixed limit: keys above 4096 bits (the leaf's, or its signer's) do not fit its buffers
  ['RSA 4160 leaf', () => pki.issueLeaf({ key: 'rsa-4160' }), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
  ['RSA 4160 intermediate', () => pki.issueIntermediate({ key: 'rsa-4160' }).issueLeaf(), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
  // 4104 bits fit the certificate buffers; BearSSL's RSA code then fails the ServerKeyExchange signature
  ['RSA 4104 leaf', () => pki.issueLeaf({ key: 'rsa-4104' }), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
  ['EKU without serverAuth', () => pki.issueLeaf({ eku: ['clientAuth'] }), 'localhost', 'CERT_INVALID/EKU_NO_SERVER_AUTH', 'INVALID_PURPOSE'],
  ['EKU with serverAuth and clientAuth', () => pki.issueLeaf({ eku: ['serverAuth', 'clientAuth'] }), 'localhost', 'OK', 'OK'],
  ['no EKU extension', () => pki.issueLeaf({ eku: [] }), 'localhost', 'OK', 'OK'],
  ['unknown critical extension', () => pki.issueLeaf({ extraExt: '1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:x' }), 'localhost', 'CERT_INVALID', 'UNSPECIFIED'],
  ['unknown non-critical extension', () => pki.issueLeaf({ extraExt: '1.3.6.1.4.1.55555.1 = ASN1:UTF8String:x' }), 'localhost', 'OK', 'OK'],
  // names
  ['name mismatch', () => pki.issueLeaf({ dns: ['other.example'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['name in other case', () => pki.issueLeaf({ dns: ['MiXeD.Example'] }), 'mixed.example', 'OK', 'OK'],
  ['wildcard one label', () => pki.issueLeaf({ dns: ['*.a.example'] }), 'b.a.example', 'OK', 'OK'],
  ['wildcard two labels', () => pki.issueLeaf({ dns: ['*.a.example'] }), 'c.b.a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['wildcard base name', () => pki.issueLeaf({ dns: ['*.a.example'] }), 'a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['partial-label wildcard', () => pki.issueLeaf({ dns: ['b*.a.example'] }), 'bc.a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'OK'],
  ['CN only, no SAN', () => pki.issueLeaf({ cn: 'localhost', dns: [] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NO_SAN', 'OK'],
  ['IPv4 in iPAddress SAN', () => pki.issueLeaf({ dns: [], ips: ['127.0.0.1'] }), '127.0.0.1', 'OK', 'OK'],
  ['IPv4 only as dNSName', () => pki.issueLeaf({ dns: ['127.0.0.1'] }), '127.0.0.1', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['IPv4 URL, other IP in SAN', () => pki.issueLeaf({ dns: ['localhost'], ips: ['192.0.2.10'] }), '127.0.0.1', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['DNS name, IP SAN only', () => pki.issueLeaf({ cn: 'server', dns: [], ips: ['127.0.0.1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ['DNS name, IP SAN only, CN matches', () => pki.issueLeaf({ cn: 'localhost', dns: [], ips: ['127.0.0.1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'OK'],
  ['IPv6 in iPAddress SAN', () => pki.issueLeaf({ dns: [], ips: ['2001:db8::1'] }), 'localhost', 'OK', 'OK', { servername: '[2001:db8::1]' }],
  ['IPv6 only as dNSName', () => pki.issueLeaf({ dns: ['2001:db8::1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID', { servername: '[2001:db8::1]' }],
];

for (const [name, make, host, ours, node, extra = {}] of cases) {
  test(`${name}: ours ${ours}, Node ${node}`, async () => {
    const cert = make();
    const chain = cert.chainOnly === 'leaf' ? cert.certPem : (cert.chainPem ?? cert.certPem);
    // SECLEVEL=0 lets Node serve the weak certificates the client must refuse
    const server = await startHttpsServer({ key: cert.keyPem, cert: chain, tlsOptions: { ciphers: 'DEFAULT@SECLEVEL=0' } });
    try {
      const url = `https://${host}:${server.port}/`;
      const options = { ca: pki.root.certPem, lookup: loopback, ...extra };
      if (ours === 'OK') {
        const res = await get(url, options);
        assert.equal(res.status, 200);
        assert.equal(res.tls.version, 'TLSv1.2');
        assert.equal(res.tls.leafSpkiSha256, `sha256/${spkiSha256Base64(cert.certPem)}`);
        await res.text();
      } else {
        const err = await rejection(() => get(url, options));
        assert.ok(err instanceof MicroHttpsError, err.stack);
        const [code, reason] = ours.split('/');
        assert.equal(err.code, code, err.message);
        if (reason) assert.equal(err.reason, reason);
        assert.ok(err.detail > 0, 'the BearSSL error is the detail');
      }
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
