// NODE_EXTRA_CA_CERTS: like Node's own https, the default trust store is
// Node's roots plus the PEM certificates in that file, read once per process.
// The variable is read at first use, so each case runs in a child process.
import { makePki } from '../devkit/pki.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startHttpsServer } from './helpers/servers.mjs';
import { localPki } from './helpers/core-client.mjs';
import { runNode } from './helpers/child.mjs';

const dist = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href;
let pki, leaf, server, script, caFile;

before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  caFile = path.join(pki.dir, 'extra-ca.pem');
  fs.writeFileSync(caFile, `some text before\n${pki.root.certPem}`);
  // GETs each URL on a fresh Session (a new connection, so trust is checked
  // each time); "rm FILE" deletes a file in between. Prints one line per step.
  script = path.join(pki.dir, 'probe.mjs');
  fs.writeFileSync(script, `
    import fs from 'node:fs';
    import { Session } from ${JSON.stringify(dist)};
    for (const step of process.argv.slice(2)) {
      if (step.startsWith('rm ')) { fs.rmSync(step.slice(3)); continue; }
      const [url, ca] = step.split(' ca=');
      const session = new Session({ timeout: 5000 });
      try {
        const res = await session.get(url, ca ? { ca: fs.readFileSync(ca, 'utf8') } : {});
        console.log(res.status);
      } catch (err) {
        console.log(err.code, err.message);
      } finally {
        await session.close();
      }
    }
  `);
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = () => `https://localhost:${server.port}/`;
const probe = async (env, ...steps) => {
  const { code, stdout, stderr } = await runNode(script, steps, { env });
  assert.equal(code, 0, stderr);
  return stdout.trim().split('\n');
};

test('without NODE_EXTRA_CA_CERTS a private CA is untrusted', async () => {
  const [line] = await probe({}, url());
  assert.match(line, /^CERT_UNTRUSTED /);
});

test('NODE_EXTRA_CA_CERTS adds its certificates to the default store, read once', async () => {
  const copy = path.join(pki.dir, 'extra-ca-copy.pem');
  fs.copyFileSync(caFile, copy);
  const lines = await probe({ NODE_EXTRA_CA_CERTS: copy }, url(), `rm ${copy}`, url());
  assert.deepEqual(lines, ['200', '200']); // the second connection did not re-read the (deleted) file
});

test('an explicit ca replaces the default store, NODE_EXTRA_CA_CERTS included', async () => {
  // a root with another name: one with the same name would be a forged issuer (CERT_INVALID)
  const other = { pki: makePki({ cn: 'microhttps Other Root' }) };
  try {
    const otherCa = path.join(pki.dir, 'other-ca.pem');
    fs.writeFileSync(otherCa, other.pki.root.certPem);
    const [line] = await probe({ NODE_EXTRA_CA_CERTS: caFile }, `${url()} ca=${otherCa}`);
    assert.match(line, /^CERT_UNTRUSTED /);
  } finally {
    other.pki.cleanup();
  }
});

test('an unreadable NODE_EXTRA_CA_CERTS file fails with CONFIG, naming the file', async () => {
  const missing = path.join(pki.dir, 'no-such-file.pem');
  const [line] = await probe({ NODE_EXTRA_CA_CERTS: missing }, url());
  assert.match(line, /^CONFIG .*NODE_EXTRA_CA_CERTS=.*no-such-file\.pem cannot be read: ENOENT/);
});

test('a NODE_EXTRA_CA_CERTS file without certificates fails with CONFIG', async () => {
  const empty = path.join(pki.dir, 'empty.pem');
  fs.writeFileSync(empty, 'not a certificate\n');
  const [line] = await probe({ NODE_EXTRA_CA_CERTS: empty }, url());
  assert.match(line, /^CONFIG .*holds no PEM "BEGIN CERTIFICATE" block/);
});

test('the default store is Node\'s roots plus the extra certificates', async () => {
  // no certificate issued by a real root can be made here: count the store instead
  const count = path.join(pki.dir, 'count.mjs');
  const trust = pathToFileURL(path.join(path.dirname(fileURLToPath(dist)), 'trustAnchors.js')).href;
  fs.writeFileSync(count, `
    import { rootCertificates } from 'node:tls';
    import { trustAnchors } from ${JSON.stringify(trust)};
    console.log(rootCertificates.length, trustAnchors().length);
  `);
  const { code, stdout, stderr } = await runNode(count, [], { env: { NODE_EXTRA_CA_CERTS: caFile } });
  assert.equal(code, 0, stderr);
  const [roots, anchors] = stdout.trim().split(' ').map(Number);
  assert.ok(roots > 50);
  assert.equal(anchors, roots + 1);
});
