// Each AEAD suite end to end through the production module: a Node https
// server forced to one suite sends a large random body; the core's copy must
// hash the same (the crypto in tls/crypto/ plus BearSSL's record layer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { get, post } from '../dist/index.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';

// Not a multiple of any block or record size, so partial blocks are crossed.
const BODY = randomBytes((1 << 20) + 4099);
const SUITES = ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384'];

let pki, leaf;
before(() => ({ pki, leaf } = localPki()));
after(() => pki.cleanup());

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

for (const cipher of SUITES) {
  test(`${cipher}: 1 MiB download and an upload hash the same on both sides`, async () => {
    let uploaded = null;
    const server = await startHttpsServer({
      key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { ciphers: cipher, maxVersion: 'TLSv1.2' },
      handler(req, res) {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          if (req.method === 'POST') uploaded = Buffer.concat(chunks);
          res.writeHead(200, { 'content-length': BODY.length });
          res.end(BODY);
        });
      },
    });
    try {
      const res = await get(`https://localhost:${server.port}/`, { ca: pki.root.certPem, lookup: loopback, maxVersion: '1.2' });
      assert.equal(res.tls.cipher, cipher);
      assert.equal(sha256(await res.bytes()), sha256(BODY));
      // the other direction: our encryption, Node's decryption
      const upload = BODY.subarray(0, 100_003);
      const posted = await post(`https://localhost:${server.port}/`, { body: upload, ca: pki.root.certPem, lookup: loopback });
      await posted.bytes();
      assert.equal(sha256(uploaded), sha256(upload));
    } finally {
      await server.close();
    }
  });
}
