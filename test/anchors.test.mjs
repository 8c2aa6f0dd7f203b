// Trust anchors on demand: the core's trust store holds only the anchors a
// handshake asks for, so RAM is the same with 1 root or with Node's ~140.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { X509Certificate, createHash } from 'node:crypto';
import { Connection } from '../dist/index.js';
import { readTlv, children } from '../dist/der.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';
import { withoutStackPeak } from './helpers/memory.mjs';

let pki, leaf, server, chainServer;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  const intermediate = pki.issueIntermediate({ cn: 'microhttps Test Intermediate' });
  const chained = pki.issueLeaf({ dns: ['localhost'], issuer: intermediate });
  chainServer = await startHttpsServer({ key: chained.keyPem, cert: chained.chainPem });
});
after(async () => {
  await Promise.all([server.close(), chainServer.close()]);
  pki.cleanup();
});

async function handshake(port, ca) {
  const conn = await Connection.open({ host: 'localhost', port, tls: true, ca, lookup: loopback, timeout: { connect: 5000, read: 5000 } });
  const memory = conn.core.memoryReport();
  const bytes = conn.core.x.memory.buffer.byteLength;
  const anchors = conn.core.x.mh_anchor_count();
  await conn.close();
  return { memory: withoutStackPeak(memory), bytes, anchors };
}

test('RAM with 1 trusted root equals RAM with 1 + all of Node\'s roots', async () => {
  const one = await handshake(server.port, [pki.root.certPem]);
  const many = await handshake(server.port, [...rootCertificates, pki.root.certPem]);
  assert.ok(rootCertificates.length > 100);
  assert.deepEqual(many, one);
  assert.equal(one.anchors, 1, 'only the root the chain needs was loaded');
  assert.ok(one.memory.TRUST_STORE < 1024, `store holds one anchor: ${one.memory.TRUST_STORE} bytes`);
});

test('a chain through an intermediate asks for each issuer and validates against the root', async () => {
  const result = await handshake(chainServer.port, pki.root.certPem);
  assert.equal(result.anchors, 1);
});

test('Node\'s default root store, on demand: a private CA is still untrusted', async () => {
  const err = await rejection(() => handshake(server.port, undefined));
  assert.equal(err.code, 'CERT_UNTRUSTED');
});

/** The subject Name of a certificate, DER (tag and length included), read with the host's DER reader. */
function subjectNameDer(cert) {
  const fields = children(cert, readTlv(cert, readTlv(cert, 0).start));
  // [0] version (optional), serialNumber, signature, issuer, validity, subject
  const subject = fields[fields[0].tag === 0xa0 ? 5 : 4];
  return cert.subarray(subject.at, subject.end);
}

test('mh_anchor_subject_hash: the SHA-256 of the subject Name of each of Node\'s roots; 0 for what is not a certificate', async () => {
  const { Core } = await import('../dist/core.js');
  const core = new Core();
  const root = new X509Certificate(pki.root.certPem).raw;
  assert.equal(core.x.mh_anchor_subject_hash(0), 0, 'before mh_init');
  assert.equal(core.x.mh_init(), 0);
  const hash = (der) => {
    const digest = core.x.mh_anchor_subject_hash(core.putXfer(der));
    return digest === 0 ? 0 : Buffer.from(core.view(digest, 32)).toString('hex');
  };
  for (const pem of [...rootCertificates, pki.root.certPem]) {
    const der = new X509Certificate(pem).raw;
    assert.equal(hash(der), createHash('sha256').update(subjectNameDer(der)).digest('hex'), new X509Certificate(pem).subject);
  }
  assert.equal(hash(root.subarray(0, root.length - 1)), 0, 'truncated');
  assert.equal(hash(Buffer.concat([root, Buffer.from([0])])), 0, 'a byte after the certificate');
  assert.equal(hash(Buffer.from('not a certificate')), 0);
  assert.equal(hash(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), 0, 'a SEQUENCE without a TBSCertificate');
  assert.equal(core.x.mh_anchor_subject_hash(core.x.mh_xfer_cap() + 1), 0, 'longer than the window');
});
