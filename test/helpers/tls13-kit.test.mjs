// Proves the TLS 1.3 test kit (openssl-server.mjs, tls13-servers.mjs and
// devkit/pki.mjs's leaves) with Node's own TLS client as the reference, so
// failures here are kit bugs, not microhttps bugs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { makePki } from '../../devkit/pki.mjs';
import { startOpensslServer } from './openssl-server.mjs';
import { TLS13_GROUPS, TLS13_LEAF_KEYS, TLS13_SIGALGS, TLS13_SUITES, startTls13HttpsServer, tls13Leaves, tls13Matrix } from './tls13-servers.mjs';

const WAIT_MS = 10000;
let pki, leaves;
const running = [];

before(() => {
  pki = makePki();
  leaves = tls13Leaves(pki);
});
after(async () => {
  await Promise.all(running.map((s) => s.stop?.() ?? s.close()));
  pki.cleanup();
});

async function openssl(opts) {
  const s = await startOpensslServer({ leaf: leaves['ec-p256'], ...opts });
  running.push(s);
  return s;
}

// Node's client, X25519 offered first (as the engine will), bounded in time.
function connect(port, { groups = 'X25519:P-256:P-384', onSession, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ecdhCurve: groups, ...opts });
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('handshake timed out')); }, WAIT_MS);
    if (onSession) socket.on('session', onSession);
    socket.once('secureConnect', () => { clearTimeout(timer); resolve(socket); });
    socket.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

const clientHellos = (s) => s.messages().filter((m) => !m.sent && m.message === 'ClientHello').length;
const until = async (predicate, what) => {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(predicate(), what);
};

test('pki makes every leaf key type the kit names, P-384 and RSA-3072 included', () => {
  assert.deepEqual(Object.keys(leaves), TLS13_LEAF_KEYS);
  const key = (k) => new X509Certificate(leaves[k].certPem).publicKey.asymmetricKeyDetails;
  assert.equal(key('ec-p384').namedCurve, 'secp384r1');
  assert.equal(key('rsa-3072').modulusLength, 3072);
  assert.equal(key('rsa-4096').modulusLength, 4096);
});

test('s_server -tls1_3 -www: TLS 1.3 negotiated, GET / answered, one ClientHello with X25519 offered', async () => {
  const s = await openssl({ args: ['-tls1_3'] });
  const socket = await connect(s.port);
  assert.equal(socket.getProtocol(), 'TLSv1.3');
  const body = await new Promise((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => { text += d; });
    socket.on('end', () => resolve(text));
    socket.write('GET / HTTP/1.0\r\n\r\n');
  });
  assert.match(body, /^HTTP\/1\.0 200 ok/);
  assert.equal(clientHellos(s), 1);
  assert.ok(s.messages().some((m) => m.sent && m.message === 'ChangeCipherSpec'), 'middlebox compatibility CCS by default');
  assert.match(s.keylog(), /SERVER_HANDSHAKE_TRAFFIC_SECRET/);
});

test('s_server -groups P-256: a client offering X25519 first gets a HelloRetryRequest', async () => {
  const s = await openssl({ args: ['-tls1_3', '-groups', 'P-256'] });
  const socket = await connect(s.port);
  assert.equal(socket.getEphemeralKeyInfo().name, 'prime256v1');
  socket.destroy();
  assert.equal(clientHellos(s), 2);
  assert.equal(s.messages().find((m) => m.message === 'ServerHello').length, 88, 'a HelloRetryRequest without a cookie');
});

test('s_server -stateless (echo mode): a HelloRetryRequest with a cookie, after which OpenSSL 3.0 drops the connection', async () => {
  // Debian's OpenSSL 3.0 s_server aborts the connection after SSL_stateless()
  // sent the cookie HRR (with its own s_client too); in -www and -rev modes
  // it ignores -stateless. This pins that down so a fix upstream shows here.
  const s = await openssl({ mode: 'echo', args: ['-tls1_3', '-stateless'] });
  await assert.rejects(connect(s.port));
  await s.waitFor(/^ERROR$/m);
  const [hello, retry, ...rest] = s.messages().filter((m) => m.type === 'Handshake');
  assert.equal(hello.message, 'ClientHello');
  assert.equal(retry.message, 'ServerHello');
  // an X25519 HRR without a cookie is 88 bytes (the HRR of -groups P-256 above); the cookie makes it longer
  assert.ok(retry.length > 88, `HelloRetryRequest of ${retry.length} bytes`);
  assert.deepEqual(rest, []);
});

test('s_server -num_tickets 3 -no_middlebox -ciphersuites: three tickets, no CCS, the suite asked for', async () => {
  const s = await openssl({ args: ['-tls1_3', '-num_tickets', '3', '-no_middlebox', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'] });
  let tickets = 0;
  const socket = await connect(s.port, { onSession: () => tickets++ });
  assert.equal(socket.getCipher().name, 'TLS_CHACHA20_POLY1305_SHA256');
  await until(() => tickets === 3, `3 tickets, got ${tickets}`);
  socket.destroy();
  assert.equal(s.messages().filter((m) => m.sent && m.message === 'NewSessionTicket').length, 3);
  assert.ok(!s.messages().some((m) => m.sent && m.message === 'ChangeCipherSpec'));
});

test('s_server echo mode: k and K send KeyUpdates; data before and after flows both ways; K is answered', async () => {
  const s = await openssl({ mode: 'echo', args: ['-tls1_3'] });
  const socket = await connect(s.port);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d) => { received += d; });
  socket.write('from client 1\n');
  await s.waitFor(/from client 1/);
  await s.keyUpdate(false);
  s.type('after k\n');
  await until(() => received.includes('after k'), 'data after k');
  await s.keyUpdate(true);
  s.type('after K\n');
  await until(() => received.includes('after K'), 'data after K');
  socket.write('from client 2\n'); // Node answers the requested update with its next write
  await s.waitFor(/from client 2/);
  const updates = s.messages().filter((m) => m.message === 'KeyUpdate');
  assert.deepEqual(updates.map((m) => m.sent), [true, true, false]);
  socket.destroy();
});

test('Node TLS 1.3 servers: each suite and group is the one negotiated (the client offering X25519 first)', async () => {
  for (const suite of TLS13_SUITES) {
    for (const group of TLS13_GROUPS) {
      const server = await startTls13HttpsServer({ leaf: leaves['ec-p256'], suite, group });
      running.push(server);
      const socket = await connect(server.port);
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      assert.equal(socket.getCipher().name, suite);
      assert.equal(socket.getEphemeralKeyInfo().name, { X25519: 'X25519', 'P-256': 'prime256v1', 'P-384': 'secp384r1' }[group]);
      socket.destroy();
      await server.close();
    }
  }
});

test('Node TLS 1.3 servers: every leaf key type, RSA leaves with each rsa_pss_rsae sigalg, serve an https GET', async () => {
  const cases = [
    ...['ec-p256', 'ec-p384'].map((key) => ({ key, sigalg: TLS13_SIGALGS[key] })),
    ...['rsa-2048', 'rsa-3072', 'rsa-4096'].flatMap((key) => TLS13_SIGALGS.rsa.map((sigalg) => ({ key, sigalg }))),
  ];
  for (const { key, sigalg } of cases) {
    const server = await startTls13HttpsServer({ leaf: leaves[key], sigalg });
    running.push(server);
    const status = await new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.root.certPem, agent: false, timeout: WAIT_MS }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      }).on('error', reject).on('timeout', function () { this.destroy(new Error('timeout')); });
    });
    assert.equal(status, 200, `${key} with ${sigalg}`);
    await server.close();
  }
  // the sigalg is really enforced: a client that does not offer it is refused
  const server = await startTls13HttpsServer({ leaf: leaves['rsa-2048'], sigalg: 'rsa_pss_rsae_sha512' });
  running.push(server);
  await assert.rejects(connect(server.port, { sigalgs: 'rsa_pss_rsae_sha256' }));
  await server.close();
});

test('tls13Matrix lists every suite x group x key', () => {
  const all = tls13Matrix();
  assert.equal(all.length, TLS13_SUITES.length * TLS13_GROUPS.length * TLS13_LEAF_KEYS.length);
  assert.equal(new Set(all.map((c) => `${c.suite}/${c.group}/${c.key}`)).size, all.length);
});
