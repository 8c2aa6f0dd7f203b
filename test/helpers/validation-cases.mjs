// The badssl-style certificate matrix, shared by the TLS 1.2 and TLS 1.3
// validation tests (test/tls-validation.test.mjs, test/tls13-validation.test.mjs):
// the same certificates must fail with the same codes whichever engine runs.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { get, MicroHttpsError } from '../../dist/index.js';
import { spkiSha256Base64 } from '../../devkit/pki.mjs';
import { rejection } from './core-client.mjs';

/** An issuer made from a certificate that is not a CA (for the "issuer is not a CA" case). */
function leafAsIssuer(pki, leaf) {
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

/**
 * The cases, as [name, make server cert, host in the URL, our outcome, Node's
 * outcome, extra options]. Outcomes: 'OK' or an error code; ours may carry a
 * reason as 'CODE/REASON'. roots.pki (trusted) and roots.other (an untrusted
 * root) are read when a case makes its certificate, so a test file can
 * create them in before().
 */
export function validationCases(roots) {
  return [
    ['valid leaf via intermediate', () => roots.pki.issueIntermediate().issueLeaf(), 'localhost', 'OK', 'OK'],
    ['ECDSA P-384 chain', () => roots.pki.issueIntermediate({ key: 'ec-p384' }).issueLeaf({ key: 'ec-p384' }), 'localhost', 'OK', 'OK'],
    ['RSA 2048 chain', () => roots.pki.issueIntermediate({ key: 'rsa-2048' }).issueLeaf({ key: 'rsa-2048' }), 'localhost', 'OK', 'OK'],
    ['RSA 4096 chain', () => roots.pki.issueIntermediate({ key: 'rsa-4096' }).issueLeaf({ key: 'rsa-2048' }), 'localhost', 'OK', 'OK'],
    ['expired leaf', () => roots.pki.issueLeaf({ notBeforeDays: -30, notAfterDays: -1 }), 'localhost', 'CERT_EXPIRED', 'CERT_HAS_EXPIRED'],
    ['not yet valid leaf', () => roots.pki.issueLeaf({ notBeforeDays: 2, notAfterDays: 30 }), 'localhost', 'CERT_NOT_YET_VALID', 'CERT_NOT_YET_VALID'],
    ['expired intermediate', () => roots.pki.issueIntermediate({ notBeforeDays: -30, notAfterDays: -2 }).issueLeaf(), 'localhost', 'CERT_EXPIRED', 'CERT_HAS_EXPIRED'],
    ['not yet valid intermediate', () => roots.pki.issueIntermediate({ notBeforeDays: 2, notAfterDays: 30 }).issueLeaf(), 'localhost', 'CERT_NOT_YET_VALID', 'CERT_NOT_YET_VALID'],
    ['self-signed', () => roots.pki.selfSigned(), 'localhost', 'CERT_UNTRUSTED', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['unknown root', () => roots.other.issueIntermediate().issueLeaf(), 'localhost', 'CERT_UNTRUSTED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    ['incomplete chain (no intermediate sent)', () => ({ ...roots.pki.issueIntermediate().issueLeaf(), chainOnly: 'leaf' }), 'localhost', 'CERT_UNTRUSTED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['bad signature (issuer sent in the chain)', () => { const i = roots.pki.issueIntermediate(); const l = i.issueLeaf(); return { ...l, chainPem: badSignature(l.certPem) + i.certPem }; }, 'localhost', 'CERT_INVALID', 'CERT_SIGNATURE_FAILURE'],
    ['bad signature (issuer is the root)', () => { const l = roots.pki.issueLeaf(); return { ...l, chainPem: badSignature(l.certPem) }; }, 'localhost', 'CERT_INVALID/ANCHOR_SIGNATURE', 'CERT_SIGNATURE_FAILURE'],
    ['SHA-1 signature', () => roots.pki.issueLeaf({ hash: 'sha1' }), 'localhost', 'CERT_INVALID/WEAK_SIGNATURE_HASH', 'UNSPECIFIED'],
    ['issuer is not a CA', () => roots.pki.issueLeaf({ issuer: leafAsIssuer(roots.pki, roots.pki.issueLeaf({ cn: 'Not A CA' })) }), 'localhost', 'CERT_INVALID', 'UNSPECIFIED'],
    ['path length exceeded', () => roots.pki.issueIntermediate({ pathLen: 0 }).issueIntermediate().issueLeaf(), 'localhost', 'CERT_INVALID', 'PATH_LENGTH_EXCEEDED'],
    ['RSA 1024 leaf', () => roots.pki.issueLeaf({ key: 'rsa-1024' }), 'localhost', 'CERT_INVALID', 'OK'],
    // BearSSL's fixed limit: keys above 4096 bits (the leaf's, or its signer's) do not fit its buffers
    ['RSA 4160 leaf', () => roots.pki.issueLeaf({ key: 'rsa-4160' }), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
    ['RSA 4160 intermediate', () => roots.pki.issueIntermediate({ key: 'rsa-4160' }).issueLeaf(), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
    // 4104 bits fit the certificate buffers; BearSSL's RSA code then fails the server's signature
    // (TLS 1.2's ServerKeyExchange, TLS 1.3's CertificateVerify)
    ['RSA 4104 leaf', () => roots.pki.issueLeaf({ key: 'rsa-4104' }), 'localhost', 'CERT_INVALID/RSA_KEY_TOO_LARGE', 'OK'],
    ['EKU without serverAuth', () => roots.pki.issueLeaf({ eku: ['clientAuth'] }), 'localhost', 'CERT_INVALID/EKU_NO_SERVER_AUTH', 'INVALID_PURPOSE'],
    ['EKU with serverAuth and clientAuth', () => roots.pki.issueLeaf({ eku: ['serverAuth', 'clientAuth'] }), 'localhost', 'OK', 'OK'],
    ['no EKU extension', () => roots.pki.issueLeaf({ eku: [] }), 'localhost', 'OK', 'OK'],
    ['unknown critical extension', () => roots.pki.issueLeaf({ extraExt: '1.3.6.1.4.1.55555.1 = critical,ASN1:UTF8String:x' }), 'localhost', 'CERT_INVALID', 'UNSPECIFIED'],
    ['unknown non-critical extension', () => roots.pki.issueLeaf({ extraExt: '1.3.6.1.4.1.55555.1 = ASN1:UTF8String:x' }), 'localhost', 'OK', 'OK'],
    // names
    ['name mismatch', () => roots.pki.issueLeaf({ dns: ['roots.other.example'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['name in other case', () => roots.pki.issueLeaf({ dns: ['MiXeD.Example'] }), 'mixed.example', 'OK', 'OK'],
    ['wildcard one label', () => roots.pki.issueLeaf({ dns: ['*.a.example'] }), 'b.a.example', 'OK', 'OK'],
    ['wildcard two labels', () => roots.pki.issueLeaf({ dns: ['*.a.example'] }), 'c.b.a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['wildcard base name', () => roots.pki.issueLeaf({ dns: ['*.a.example'] }), 'a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['partial-label wildcard', () => roots.pki.issueLeaf({ dns: ['b*.a.example'] }), 'bc.a.example', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'OK'],
    ['CN only, no SAN', () => roots.pki.issueLeaf({ cn: 'localhost', dns: [] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NO_SAN', 'OK'],
    ['IPv4 in iPAddress SAN', () => roots.pki.issueLeaf({ dns: [], ips: ['127.0.0.1'] }), '127.0.0.1', 'OK', 'OK'],
    ['IPv4 only as dNSName', () => roots.pki.issueLeaf({ dns: ['127.0.0.1'] }), '127.0.0.1', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['IPv4 URL, other IP in SAN', () => roots.pki.issueLeaf({ dns: ['localhost'], ips: ['192.0.2.10'] }), '127.0.0.1', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['DNS name, IP SAN only', () => roots.pki.issueLeaf({ cn: 'server', dns: [], ips: ['127.0.0.1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['DNS name, IP SAN only, CN matches', () => roots.pki.issueLeaf({ cn: 'localhost', dns: [], ips: ['127.0.0.1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'OK'],
    ['IPv6 in iPAddress SAN', () => roots.pki.issueLeaf({ dns: [], ips: ['2001:db8::1'] }), 'localhost', 'OK', 'OK', { servername: '[2001:db8::1]' }],
    ['IPv6 only as dNSName', () => roots.pki.issueLeaf({ dns: ['2001:db8::1'] }), 'localhost', 'CERT_HOSTNAME_MISMATCH/NAME_NOT_IN_SAN', 'ERR_TLS_CERT_ALTNAME_INVALID', { servername: '[2001:db8::1]' }],
  ];
}

/** Our client against url: the outcome must be `ours` ('OK' or 'CODE[/REASON]'), over `version`. */
export async function expectOutcome(url, options, ours, cert, version) {
  if (ours === 'OK') {
    const res = await get(url, options);
    assert.equal(res.status, 200);
    assert.equal(res.tls.version, version);
    assert.equal(res.tls.leafSpkiSha256, `sha256/${spkiSha256Base64(cert.certPem)}`);
    await res.text();
    return;
  }
  const err = await rejection(() => get(url, options));
  assert.ok(err instanceof MicroHttpsError, err.stack);
  const [code, reason] = ours.split('/');
  assert.equal(err.code, code, err.message);
  if (reason) assert.equal(err.reason, reason);
  assert.ok(err.detail > 0, 'the BearSSL error is the detail');
}
