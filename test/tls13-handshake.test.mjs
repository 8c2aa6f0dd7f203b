// Our TLS 1.3 engine against Node's TLS-1.3-only servers on 127.0.0.1:
// every suite x group (P-256 and P-384 through a HelloRetryRequest), every
// CertificateVerify algorithm and leaf key, records both ways, the version
// options, and the errors a server's choices lead to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { get, post, Session, MicroHttpsError } from '../dist/index.js';
import { makePki, spkiSha256Base64 } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';
import { TLS13_SUITES, TLS13_GROUPS, TLS13_LEAF_KEYS, TLS13_SIGALGS, tls13Leaves, startTls13HttpsServer } from './helpers/tls13-servers.mjs';

let pki, leaves;
before(() => {
  pki = makePki();
  leaves = tls13Leaves(pki);
});
after(() => pki.cleanup());

const options = (extra = {}) => ({ ca: pki.root.certPem, lookup: loopback, maxVersion: '1.3', timeout: 10000, ...extra });
const url = (server, path = '/') => `https://localhost:${server.port}${path}`;

async function getOnce(server, extra) {
  const res = await get(url(server, '/hello'), options(extra));
  const body = await res.json();
  assert.equal(res.status, 200);
  assert.equal(body.url, '/hello');
  return res;
}

for (const suite of TLS13_SUITES) {
  for (const group of TLS13_GROUPS) {
    test(`${suite} over ${group}${group === 'X25519' ? '' : ' (HelloRetryRequest)'}`, async () => {
      const server = await startTls13HttpsServer({ leaf: leaves['ec-p256'], suite, group });
      try {
        const res = await getOnce(server);
        assert.equal(res.tls.version, 'TLSv1.3');
        assert.equal(res.tls.cipher, suite);
        assert.equal(res.tls.resumed, false);
        assert.equal(res.tls.leafSpkiSha256, `sha256/${spkiSha256Base64(leaves['ec-p256'].certPem)}`);
      } finally {
        await server.close();
      }
    });
  }
}

const signatures = TLS13_LEAF_KEYS.flatMap((key) => (key.startsWith('rsa')
  ? TLS13_SIGALGS.rsa.map((sigalg) => ({ key, sigalg }))
  : [{ key, sigalg: TLS13_SIGALGS[key] }]));

for (const { key, sigalg } of signatures) {
  test(`CertificateVerify ${sigalg} by a ${key} leaf`, async () => {
    const server = await startTls13HttpsServer({ leaf: leaves[key], sigalg });
    try {
      const res = await getOnce(server);
      assert.equal(res.tls.version, 'TLSv1.3');
      assert.equal(res.tls.peerCertificates[0].spkiSha256, `sha256/${spkiSha256Base64(leaves[key].certPem)}`);
    } finally {
      await server.close();
    }
  });
}

test('rsa_pkcs1_sha256 in CertificateVerify is refused: the server finds no common signature algorithm', async () => {
  // TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify; we never offer it there
  const server = await startTls13HttpsServer({ leaf: leaves['rsa-2048'], sigalg: 'rsa_pkcs1_sha256' });
  try {
    const err = await rejection(() => get(url(server), options()));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
  } finally {
    await server.close();
  }
});

test('a 1 MiB response and a 300 KiB upload cross many records each way', async () => {
  const big = Buffer.alloc(1 << 20, 'abcdefghij');
  const server = await startTls13HttpsServer({
    leaf: leaves['ec-p256'],
    handler(req, res) {
      let n = 0;
      req.on('data', (c) => { n += c.length; });
      req.on('end', () => res.end(req.method === 'POST' ? String(n) : big));
    },
  });
  try {
    const res = await get(url(server), options());
    assert.deepEqual(Buffer.from(await res.bytes()), big);
    const up = await post(url(server), options({ body: Buffer.alloc(300 * 1024, 7) }));
    assert.equal(await up.text(), String(300 * 1024));
  } finally {
    await server.close();
  }
});

test('a TLS-1.2-only server: minVersion 1.3 fails with SERVER_TLS12; otherwise one fallback, remembered per origin', async () => {
  const leaf = leaves['ec-p256'];
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  try {
    const err = await rejection(() => get(url(server), options({ minVersion: '1.3' })));
    assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
    assert.equal(err.reason, 'SERVER_TLS12');
    assert.match(err.message, /TLSv1\.2/);
    const before = server.connections;
    // a Session each, so that no connection is reused
    const fresh = async () => {
      const session = new Session(options());
      try {
        const res = await session.get(url(server));
        await res.text();
        return res;
      } finally {
        await session.close();
      }
    };
    assert.equal((await fresh()).tls.version, 'TLSv1.2');
    assert.equal(server.connections - before, 2, 'a TLS 1.3 attempt, then TLS 1.2');
    assert.equal((await fresh()).tls.version, 'TLSv1.2');
    assert.equal(server.connections - before, 3, 'the origin is remembered: TLS 1.2 at once');
  } finally {
    await server.close();
  }
});

test('maxVersion 1.2 never tries TLS 1.3, even with a TLS 1.3 server', async () => {
  const leaf = leaves['ec-p256'];
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const res = await get(url(server), options({ maxVersion: '1.2' }));
    assert.equal(res.tls.version, 'TLSv1.2');
    await res.text();
    assert.equal(server.connections, 1);
  } finally {
    await server.close();
  }
});

test('version options are checked: CONFIG for unknown versions and for min above max', async () => {
  for (const bad of [{ minVersion: '1.4' }, { maxVersion: 'TLSv1.3' }, { minVersion: '1.3', maxVersion: '1.2' }]) {
    const err = await rejection(() => get('https://localhost:1/', options(bad)));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'CONFIG', JSON.stringify(bad));
  }
});

test('a server that requires a client certificate: TLS_CLIENT_CERT (we answer with none over TLS 1.3)', async () => {
  const server = await startTls13HttpsServer({
    leaf: leaves['ec-p256'], tlsOptions: { requestCert: true, rejectUnauthorized: true, ca: pki.root.certPem },
  });
  try {
    const err = await rejection(() => get(url(server), options()));
    assert.equal(err.code, 'TLS_CLIENT_CERT', err.message);
  } finally {
    await server.close();
  }
});

/** A TLS-1.3-capable https server on a given port (to follow a TLS-1.2-only one there). */
async function httpsOn(port, leaf) {
  const server = https.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('downgrade protection: a TLS-1.3-capable server answering our TLS 1.2 hello with its DOWNGRD sentinel is refused', async () => {
  const leaf = leaves['ec-p256'];
  // a TLS-1.2-only server first: the origin is remembered as TLS 1.2 (no
  // session is kept: resuming one would be a TLS 1.2 hello of our own choice)
  const old = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  const { port } = old;
  const first = await get(url(old), options({ sessionCache: false }));
  assert.equal(first.tls.version, 'TLSv1.2');
  await first.text();
  await old.close();
  // then a TLS 1.3 server on the same port: our TLS 1.2 hello (1.3 acceptable) meets the sentinel
  const server = await httpsOn(port, leaf);
  try {
    const err = await rejection(() => get(`https://localhost:${port}/`, options({ sessionCache: false })));
    assert.equal(err.code, 'TLS_HANDSHAKE', err.message);
    assert.equal(err.reason, 'DOWNGRADE');
    // the origin is no longer taken for TLS 1.2: the next connection speaks TLS 1.3
    const res = await get(`https://localhost:${port}/`, options({ sessionCache: false }));
    assert.equal(res.tls.version, 'TLSv1.3');
    await res.text();
    // a client that only offers TLS 1.2 accepts the sentinel (the server is right to send it)
    const twelve = await get(`https://localhost:${port}/`, options({ maxVersion: '1.2', sessionCache: false }));
    assert.equal(twelve.tls.version, 'TLSv1.2');
    await twelve.text();
  } finally {
    await server.close();
  }
});

test('TLS 1.3 by default; client certificates keep TLS 1.2; minVersion 1.3 with a client certificate is CONFIG', async () => {
  const leaf = leaves['ec-p256'];
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const res = await get(url(server), { ca: pki.root.certPem, lookup: loopback });
    assert.equal(res.tls.version, 'TLSv1.3');
    await res.text();
    const err = await rejection(() => get(url(server), options({ minVersion: '1.3', cert: leaf.certPem, key: leaf.keyPem })));
    assert.equal(err.code, 'CONFIG', err.message);
  } finally {
    await server.close();
  }
});
