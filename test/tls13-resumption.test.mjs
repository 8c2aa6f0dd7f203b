// TLS 1.3 resumption with tickets (RFC 8446 2.2, 4.2.11, 4.6.1): against
// Node's default https server (tickets, no session-id cache) and Debian's
// `openssl s_server`, which both say whether they resumed; sessions
// exported and imported; what a session may not do (other origins, expired
// tickets, a suite of another hash); and hostile answers to our offer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { get, Session, MicroHttpsError } from '../dist/index.js';
import { Session as SessionFormat } from '../dist/generated/spec.js';
import { makePki } from '../devkit/pki.mjs';
import { startHttpsServer, startRawServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';
import { startOpensslServer } from './helpers/openssl-server.mjs';

let pki, leaf;
before(() => {
  pki = makePki();
  leaf = pki.issueIntermediate().issueLeaf({ dns: ['localhost', 'alias.test'] });
});
after(() => pki.cleanup());

const opts = (extra) => ({ ca: pki.root.certPem, lookup: loopback, timeout: 10000, ...extra });

/** Node's default https server; answers whether the server resumed and which version it spoke. */
function nodeServer(tlsOptions = {}) {
  return startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem, tlsOptions,
    handler(req, res) { res.end(JSON.stringify({ reused: req.socket.isSessionReused(), version: req.socket.getProtocol() })); },
  });
}

/** A GET with a new Session (its own pool: a new connection every time); what both sides say. */
async function fetchOnce(url, extra) {
  const session = new Session(opts(extra));
  try {
    const res = await session.get(url);
    const body = await res.json();
    return { ...body, tls: res.tls };
  } finally {
    await session.close();
  }
}

for (const [name, tlsOptions] of [['default', {}], ['minVersion TLSv1.3', { minVersion: 'TLSv1.3' }]]) {
  test(`Node's https server (${name}): three connections with a new Session each resume from the second`, async () => {
    const s = await nodeServer(tlsOptions);
    try {
      const url = `https://localhost:${s.port}/`;
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await fetchOnce(url));
      assert.deepEqual(seen.map((r) => r.tls.resumed), [false, true, true]);
      assert.deepEqual(seen.map((r) => r.reused), [false, true, true], 'the server agrees');
      assert.deepEqual(seen.map((r) => r.tls.version), ['TLSv1.3', 'TLSv1.3', 'TLSv1.3']);
      assert.equal(seen[0].tls.session[0], SessionFormat.FORMAT_TLS13);
      assert.ok(seen[0].tls.peerCertificates.length > 0);
      assert.deepEqual(seen[1].tls.peerCertificates, [], 'no certificate in a resumed handshake, as over TLS 1.2');
      assert.ok(seen[1].tls.session, 'a resumed connection still has its session');
    } finally {
      await s.close();
    }
  });
}

test('a ticket is offered only with the max_fragment_length offer it was made with (OpenSSL answers a resumption with the old one)', async () => {
  const s = await nodeServer();
  try {
    const url = `https://localhost:${s.port}/`;
    const small = await fetchOnce(url, { sessionCache: false, maxFragment: 1024 });
    const session = small.tls.session;
    assert.equal(small.tls.maxFragment, 1024);
    // a full record buffer: not offered (a full handshake, no error), with the same offer it resumes
    const full = await fetchOnce(url, { sessionCache: false, session });
    assert.equal(full.tls.resumed, false);
    assert.equal(full.reused, false);
    const same = await fetchOnce(url, { sessionCache: false, session, maxFragment: 1024 });
    assert.equal(same.tls.resumed, true);
    assert.equal(same.tls.maxFragment, 1024);
    // and the other way round: a full-buffer ticket is not offered with maxFragment
    const withSmall = await fetchOnce(url, { sessionCache: false, session: full.tls.session, maxFragment: 1024 });
    assert.equal(withSmall.tls.resumed, false);
  } finally {
    await s.close();
  }
});

test('export and import: res.tls.session resumes through the session option (no cache), and the cache key is the origin', async () => {
  const s = await nodeServer();
  try {
    const url = `https://localhost:${s.port}/`;
    const first = await fetchOnce(url, { sessionCache: false });
    const session = first.tls.session;
    assert.ok(session.length > SessionFormat.TLS13_FIXED_BYTES && session.length <= SessionFormat.MAX_BYTES);
    assert.equal((await fetchOnce(url, { sessionCache: false })).tls.resumed, false, 'without the cache nothing is offered');
    const again = await fetchOnce(url, { sessionCache: false, session });
    assert.equal(again.tls.resumed, true);
    assert.equal(again.reused, true);
    assert.ok(!Object.keys(again.tls).includes('session'), 'the session (a PSK) is not enumerable');
    // the cache: kept per origin (here: the server name) and per trust anchors
    await fetchOnce(url);
    assert.equal((await fetchOnce(url)).tls.resumed, true);
    assert.equal((await fetchOnce(url, { servername: 'alias.test' })).tls.resumed, false, 'another origin is not offered the ticket');
    assert.equal((await fetchOnce(url, { ca: [pki.root.certPem, pki.root.certPem] })).tls.resumed, false, 'other trust anchors: no ticket');
  } finally {
    await s.close();
  }
});

test('a truncated, wrong-version or oversized session is refused with CONFIG; a TLS 1.2 session still works', async () => {
  const s = await nodeServer();
  try {
    const url = `https://localhost:${s.port}/`;
    const { session } = (await fetchOnce(url, { sessionCache: false })).tls;
    const wrongVersion = Uint8Array.from(session);
    wrongVersion[0] = 9;
    const wrongTls = Uint8Array.from(session);
    wrongTls[3] = 3;
    const oversized = new Uint8Array(SessionFormat.MAX_BYTES + 1);
    oversized.set(session);
    const longerThanItsTicket = Uint8Array.from([...session, 0]);
    for (const bad of [session.subarray(0, 40), session.subarray(0, session.length - 1), wrongVersion, wrongTls, oversized, longerThanItsTicket]) {
      const err = await rejection(() => get(url, opts({ sessionCache: false, session: bad })));
      assert.ok(err instanceof MicroHttpsError);
      assert.equal(err.code, 'CONFIG');
    }
    const small = await rejection(() => get(url, opts({ sessionCache: false, session, core: 'small' })));
    assert.equal(small.code, 'CONFIG', 'the small core has no TLS 1.3, so no TLS 1.3 session either');
    // a TLS 1.2 session: offered on TLS 1.2 connections only
    const twelve = await fetchOnce(url, { sessionCache: false, maxVersion: '1.2' });
    assert.equal(twelve.tls.session[0], SessionFormat.FORMAT);
    const thirteen = await fetchOnce(url, { sessionCache: false, session: twelve.tls.session });
    assert.equal(thirteen.tls.version, 'TLSv1.3', 'a TLS 1.2 session does not keep a TLS 1.3 server on TLS 1.2');
    assert.equal(thirteen.tls.resumed, false);
  } finally {
    await s.close();
  }
});

test('an expired ticket is not offered: the clock option past ticket_lifetime', async () => {
  const s = await nodeServer();
  try {
    const url = `https://localhost:${s.port}/`;
    const { session } = (await fetchOnce(url, { sessionCache: false })).tls;
    const lifetime = new DataView(session.buffer, session.byteOffset).getUint32(14);
    assert.ok(lifetime > 0);
    const later = (ms) => () => Date.now() + ms;
    assert.equal((await fetchOnce(url, { sessionCache: false, session, clock: later(lifetime * 1000 - 60_000) })).tls.resumed, true, 'just before it ends');
    assert.equal((await fetchOnce(url, { sessionCache: false, session, clock: later(lifetime * 1000 + 1000) })).tls.resumed, false);
    // the cache drops it too
    await fetchOnce(url);
    assert.equal((await fetchOnce(url, { clock: later(lifetime * 1000 + 1000) })).tls.resumed, false);
  } finally {
    await s.close();
  }
});

async function withOpenssl(args, fn) {
  const server = await startOpensslServer({ leaf, args: ['-tls1_3', ...args] });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** A GET of s_server's -www status page; whether it says the session was reused. */
async function statusPage(port, extra) {
  const res = await get(`https://localhost:${port}/`, opts(extra));
  const text = await res.text();
  assert.equal(res.tls.version, 'TLSv1.3');
  return { tls: res.tls, reused: /^Reused, /m.test(text) };
}

const count = (messages, sent, name) => messages.filter((m) => m.sent === sent && m.message === name).length;

for (const tickets of [1, 4]) {
  test(`openssl s_server -num_tickets ${tickets}: the next connection resumes`, () => withOpenssl(['-num_tickets', String(tickets)], async (server) => {
    const first = await statusPage(server.port, { sessionCache: false });
    assert.equal(first.reused, false);
    const second = await statusPage(server.port, { sessionCache: false, session: first.tls.session });
    assert.deepEqual([second.tls.resumed, second.reused], [true, true]);
  }));
}

test('openssl s_server -groups P-256: a HelloRetryRequest while offering a ticket, the binder recomputed, resumed', () => withOpenssl(['-groups', 'P-256'], async (server) => {
  const first = await statusPage(server.port, { sessionCache: false });
  const second = await statusPage(server.port, { sessionCache: false, session: first.tls.session });
  assert.deepEqual([second.tls.resumed, second.reused], [true, true]);
  assert.equal(count(server.messages(), false, 'ClientHello'), 4, 'two ClientHellos per connection');
}));

test('a server restarted with new ticket keys declines the ticket: a full handshake, no error', async () => {
  const first = await withOpenssl([], (server) => statusPage(server.port, { sessionCache: false }));
  await withOpenssl([], async (server) => {
    const again = await statusPage(server.port, { sessionCache: false, session: first.tls.session });
    assert.deepEqual([again.tls.resumed, again.reused], [false, false]);
    assert.ok(again.tls.peerCertificates.length > 0, 'the chain was validated');
  });
});

test('a SHA-384 ticket where the server now picks a SHA-256 suite: a full handshake', () => withOpenssl(
  ['-serverpref', '-ciphersuites', 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384'],
  async (server) => {
    const first = await statusPage(server.port, { sessionCache: false, suites: ['AES_256_GCM'] });
    assert.equal(first.tls.cipher, 'TLS_AES_256_GCM_SHA384');
    const again = await statusPage(server.port, { sessionCache: false, session: first.tls.session });
    assert.equal(again.tls.cipher, 'TLS_AES_128_GCM_SHA256');
    assert.deepEqual([again.tls.resumed, again.reused], [false, false]);
    // the same ticket with the suite the server can use for it still resumes
    const same = await statusPage(server.port, { sessionCache: false, session: first.tls.session, suites: ['AES_256_GCM'] });
    assert.deepEqual([same.tls.resumed, same.reused], [true, true]);
  },
));

// ---- hostile answers to a ticket offer: a small net server writing records ----

const u16 = (n) => [(n >> 8) & 255, n & 255];
const u24 = (n) => [(n >> 16) & 255, (n >> 8) & 255, n & 255];
const record = (type, body) => Buffer.from([type, 3, 3, ...u16(body.length), ...body]);
const handshake = (type, body) => Buffer.from([type, ...u24(body.length), ...body]);
const ext = (type, body) => [...u16(type), ...u16(body.length), ...body];

/** A made-up TLS 1.3 session (SESSION_FORMAT_TLS13) for TLS_AES_128_GCM_SHA256 with a known PSK. */
function syntheticSession(psk) {
  const ticket = randomBytes(16);
  const out = Buffer.alloc(SessionFormat.TLS13_FIXED_BYTES + ticket.length);
  out[0] = SessionFormat.FORMAT_TLS13;
  out[1] = psk.length;
  out.writeUInt16BE(0x0304, 2);
  out.writeUInt16BE(0x1301, 4);
  out.writeBigUInt64BE(BigInt(Date.now()), 6);
  out.writeUInt32BE(3600, 14);
  out.writeUInt32BE(0, 18);
  out.writeUInt16BE(ticket.length, 22);
  out[24] = 0; // max_fragment_length code offered: none (a full record buffer)
  psk.copy(out, 25);
  ticket.copy(out, SessionFormat.TLS13_FIXED_BYTES);
  return new Uint8Array(out);
}

/** The legacy_session_id and X25519 key share of a ClientHello message. */
function readClientHello(msg) {
  const sid = msg.subarray(39, 39 + msg[38]);
  let p = 39 + msg[38];
  p += 2 + msg.readUInt16BE(p); // cipher suites
  p += 1 + msg[p];              // compression
  const end = p + 2 + msg.readUInt16BE(p);
  let share;
  for (p += 2; p < end; p += 4 + msg.readUInt16BE(p + 2)) {
    if (msg.readUInt16BE(p) === 51) share = msg.subarray(p + 10, p + 10 + msg.readUInt16BE(p + 8));
  }
  return { sid, share };
}

// RFC 8446 7.1 for SHA-256, enough to send the server's first encrypted flight
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const sha256 = (data) => createHash('sha256').update(data).digest();
function expandLabel(secret, label, context, len) {
  const full = Buffer.from(`tls13 ${label}`);
  const info = Buffer.from([...u16(len), full.length, ...full, context.length, ...context]);
  return hmac(secret, Buffer.concat([info, Buffer.from([1])])).subarray(0, len);
}

/** The server's handshake write key and iv after ClientHello and ServerHello, resuming with psk. */
function serverHandshakeKeys(psk, shared, transcript) {
  const early = hmac(Buffer.alloc(32), psk);
  const handshakeSecret = hmac(expandLabel(early, 'derived', sha256(Buffer.alloc(0)), 32), shared);
  const secret = expandLabel(handshakeSecret, 's hs traffic', sha256(transcript), 32);
  return { key: expandLabel(secret, 'key', Buffer.alloc(0), 16), iv: expandLabel(secret, 'iv', Buffer.alloc(0), 12) };
}

function encryptedRecord({ key, iv }, plaintext, innerType) {
  const inner = Buffer.concat([plaintext, Buffer.from([innerType])]);
  const header = Buffer.from([23, 3, 3, ...u16(inner.length + 16)]);
  const cipher = createCipheriv('aes-128-gcm', key, iv).setAAD(header);
  return Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Answers our ClientHello with a ServerHello built by `hello` ({ sid, share,
 * keyShare: our X25519 share ext body }) and, if `after` is given, the records
 * it returns for the handshake keys of a resumption with psk.
 */
function hostileServer(psk, hello, after) {
  return startRawServer({
    onConnection(socket) {
      let got = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        got = Buffer.concat([got, chunk]);
        if (got.length < 5 || got.length < 5 + got.readUInt16BE(3)) return;
        const clientHello = got.subarray(5, 5 + got.readUInt16BE(3));
        got = Buffer.alloc(got.length); // answer once
        const { sid, share } = readClientHello(clientHello);
        const { privateKey, publicKey } = generateKeyPairSync('x25519');
        const ours = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
        const serverHello = handshake(2, [3, 3, ...randomBytes(32), sid.length, ...sid, ...u16(0x1301), 0, ...hello({ keyShare: ext(51, [...u16(0x1d), ...u16(32), ...ours]) })]);
        socket.write(record(22, serverHello));
        if (after) {
          const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' });
          const shared = diffieHellman({ privateKey, publicKey: peer });
          socket.write(after(serverHandshakeKeys(psk, shared, Buffer.concat([clientHello, serverHello]))));
        }
      });
    },
  });
}

const extensions = (...list) => {
  const body = list.flat();
  return [...u16(body.length), ...body];
};
const supportedVersions = ext(43, [3, 4]);
const selectedIdentity = (i) => ext(41, u16(i));

for (const [what, hello, psk] of [
  ['selects identity 1 (we offered one)', ({ keyShare }) => extensions(supportedVersions, keyShare, selectedIdentity(1))],
  ['resumes without a key share (psk_ke, never offered)', () => extensions(supportedVersions, selectedIdentity(0))],
  ['selects a PSK we never offered', ({ keyShare }) => extensions(supportedVersions, keyShare, selectedIdentity(0)), false],
]) {
  test(`a ServerHello that ${what}: TLS_HANDSHAKE, reason BAD_RESUMPTION`, async () => {
    const key = randomBytes(32);
    const s = await hostileServer(key, hello);
    try {
      const session = psk === false ? undefined : syntheticSession(key);
      const err = await rejection(() => get(`https://localhost:${s.port}/`, opts({ minVersion: '1.3', sessionCache: false, session })));
      assert.ok(err instanceof MicroHttpsError, String(err));
      assert.equal(err.code, 'TLS_HANDSHAKE');
      assert.equal(err.reason, 'BAD_RESUMPTION');
    } finally {
      await s.close();
    }
  });
}

test('a resumed handshake followed by a Certificate: TLS_PROTOCOL (unexpected_message), nothing validated on its word', async () => {
  const key = randomBytes(32);
  const encryptedExtensions = handshake(8, [0, 0]);
  const certificate = handshake(11, [0, 0, 0, 0]);
  const s = await hostileServer(key, ({ keyShare }) => extensions(supportedVersions, keyShare, selectedIdentity(0)),
    (keys) => encryptedRecord(keys, Buffer.concat([encryptedExtensions, certificate]), 22));
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts({ minVersion: '1.3', sessionCache: false, session: syntheticSession(key) })));
    assert.ok(err instanceof MicroHttpsError, String(err));
    assert.equal(err.code, 'TLS_PROTOCOL', err.message);
    assert.equal(err.detailName, 'BR_ERR_UNEXPECTED', 'the record decrypted with the PSK\'s keys: the message itself was refused');
  } finally {
    await s.close();
  }
});

test('a session validated under weaker settings is never offered under stronger ones: insecure, pins', async () => {
  const s = await nodeServer();
  try {
    const url = `https://localhost:${s.port}/`;
    await fetchOnce(url, { insecure: true });
    assert.equal((await fetchOnce(url, { insecure: true })).tls.resumed, true);
    const secure = await fetchOnce(url);
    assert.equal(secure.tls.resumed, false, 'the insecure session is not offered to a validating connection');
    assert.equal((await fetchOnce(url)).tls.resumed, true);
    const pinned = await fetchOnce(url, { pin: secure.tls.leafSpkiSha256 });
    assert.equal(pinned.tls.resumed, false, 'a pinned connection does not resume a session made without its pins');
    assert.equal((await fetchOnce(url, { pin: secure.tls.leafSpkiSha256 })).tls.resumed, true);
  } finally {
    await s.close();
  }
});

test('a HelloRetryRequest whose suite has another hash than the ticket: a full handshake, no error (the second ClientHello leaves the PSK out)', async () => {
  // two servers sharing ticket keys: the ticket of the first would be valid on the second
  const ticketKeys = randomBytes(48);
  const first = await nodeServer({ ticketKeys, ciphers: 'TLS_AES_128_GCM_SHA256' });
  const second = await nodeServer({ ticketKeys, ciphers: 'TLS_AES_256_GCM_SHA384', ecdhCurve: 'P-256' });
  const same = await nodeServer({ ticketKeys, ciphers: 'TLS_AES_128_GCM_SHA256', ecdhCurve: 'P-256' });
  try {
    const { session } = (await fetchOnce(`https://localhost:${first.port}/`, { sessionCache: false })).tls;
    const other = await fetchOnce(`https://localhost:${second.port}/`, { sessionCache: false, session });
    assert.equal(other.tls.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.deepEqual([other.tls.resumed, other.reused], [false, false]);
    const retried = await fetchOnce(`https://localhost:${same.port}/`, { sessionCache: false, session });
    assert.deepEqual([retried.tls.resumed, retried.reused], [true, true], 'a retry of the same hash keeps the ticket (binder recomputed)');
  } finally {
    await Promise.all([first.close(), second.close(), same.close()]);
  }
});
