// Proves the test helpers work, using Node's own TLS stack as the reference
// client (so failures here are helper bugs, not microhttps bugs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import { makePki, spkiSha256Base64 } from '../../devkit/pki.mjs';
import { startHttpServer, startHttpsServer, startRawServer, startTlsRawServer } from './servers.mjs';

let pki;
const servers = [];

before(() => {
  pki = makePki();
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  pki.cleanup();
});

async function serve(leaf, opts = {}) {
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem ?? leaf.certPem, ...opts });
  servers.push(s);
  return s;
}

// GET over 127.0.0.1 with SNI/verification name `servername` (connecting to
// "localhost" could resolve to ::1, where nothing listens).
function get(port, { ca = pki.root.certPem, servername = 'localhost', path = '/', agent = false } = {}) {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, servername, ca, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body, socket: res.socket }));
      })
      .on('error', reject);
  });
}

test('leaf for localhost is trusted via root; echoHandler echoes', async () => {
  const s = await serve(pki.issueLeaf());
  const { status, body } = await get(s.port, { path: '/hello?x=1' });
  assert.equal(status, 200);
  const echo = JSON.parse(body);
  assert.equal(echo.method, 'GET');
  assert.equal(echo.url, '/hello?x=1');
  assert.equal(s.connections, 1);
});

test('expired leaf is rejected with CERT_HAS_EXPIRED', async () => {
  const s = await serve(pki.issueLeaf({ notBeforeDays: -10, notAfterDays: -1 }));
  await assert.rejects(get(s.port), { code: 'CERT_HAS_EXPIRED' });
});

test('not-yet-valid leaf is rejected with CERT_NOT_YET_VALID', async () => {
  const s = await serve(pki.issueLeaf({ notBeforeDays: 1, notAfterDays: 30 }));
  await assert.rejects(get(s.port), { code: 'CERT_NOT_YET_VALID' });
});

test('wrong-name leaf is rejected with ERR_TLS_CERT_ALTNAME_INVALID', async () => {
  const s = await serve(pki.issueLeaf({ cn: 'example.com', dns: ['example.com'] }));
  await assert.rejects(get(s.port), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('leaf under an intermediate validates with chainPem; RSA + P-384 keys work', async () => {
  const inter = pki.issueIntermediate({ cn: 'Test Intermediate', key: 'ec-p384', pathLen: 0 });
  const leaf = inter.issueLeaf({ key: 'rsa-2048' });
  assert.equal(leaf.chainPem, leaf.certPem + inter.certPem);
  const s = await serve(leaf);
  assert.equal((await get(s.port)).status, 200);
});

test('self-signed cert: rejected by default, trusted when given as ca; SPKI pin matches', async () => {
  const ss = pki.selfSigned({});
  const s = await serve(ss);
  await assert.rejects(get(s.port), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  const { status, socket } = await get(s.port, { ca: ss.certPem });
  assert.equal(status, 200);
  const peerSpki = socket.getPeerX509Certificate().publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(spkiSha256Base64(ss.certPem), createHash('sha256').update(peerSpki).digest('base64'));
});

test('close() does not wait for idle keep-alive sockets; raw/TLS servers work', async () => {
  const h = await startHttpServer();
  // Open a raw keep-alive connection and leave it idle.
  const sock = net.connect(h.port, '127.0.0.1');
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => sock.once('data', r));
  await h.close(); // would hang without socket tracking
  assert.equal(h.connections, 1);

  const raw = await startRawServer({ onConnection: (s) => s.end('HTTP/1.1 204 No Content\r\n\r\n') });
  const got = await new Promise((resolve) => {
    const c = net.connect(raw.port, '127.0.0.1');
    let d = '';
    c.on('data', (x) => (d += x)).on('end', () => resolve(d));
  });
  assert.match(got, /^HTTP\/1\.1 204/);
  await raw.close();

  const leaf = pki.issueLeaf();
  const t = await startTlsRawServer({
    key: leaf.keyPem,
    cert: leaf.chainPem,
    onSecureConnection: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
  });
  servers.push(t);
  const r = await get(t.port);
  assert.deepEqual([r.status, r.body], [200, 'ok']);
});
