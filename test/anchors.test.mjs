// Trust anchors on demand: the core's trust store holds only the anchors a
// handshake asks for, so RAM is the same with 1 root or with Node's ~140.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { Connection } from '../dist/index.js';
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
