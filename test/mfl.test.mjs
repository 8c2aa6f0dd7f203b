// Maximum Fragment Length (RFC 6066) against Node's OpenSSL-based server,
// which honours the extension: a relay on the path reads every TLS record
// header the server sends, so the test sees the fragment limit on the wire.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { get, MicroHttpsError } from '../dist/index.js';
import { Core } from '../dist/core.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';
import { TlsRecord, RetryAdvice, Event, limitSpecs } from '../dist/generated/spec.js';
import { driveTls } from './helpers/raw-tls.mjs';
import { startRecordRelay } from './helpers/record-relay.mjs';

const TLS_RECORD_OVERHEAD = TlsRecord.OVERHEAD;

const BODY = randomBytes(200_000);
// AEAD ciphertext = fragment + 8-byte explicit nonce (GCM) + 16-byte tag at most
const AEAD_EXPANSION = 24;

let pki, leaf, server, relay;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    },
  });
  relay = await startRecordRelay(server.port);
});
after(async () => {
  await relay.close();
  await server.close();
  pki.cleanup();
});

/** Extension numbers in a server's first record, a ServerHello (RFC 5246 7.4.1.3). */
function serverHelloExtensions(bytes) {
  let p = 5 + 4 + 2 + 32;            // record header, handshake header, version, random
  p += 1 + bytes[p] + 2 + 1;         // session id, cipher suite, compression
  const end = p + 2 + bytes.readUInt16BE(p);
  const types = [];
  for (p += 2; p + 4 <= end; p += 4 + bytes.readUInt16BE(p + 2)) types.push(bytes.readUInt16BE(p));
  return types;
}
const MAX_FRAGMENT_LENGTH = 1; // RFC 6066 extension number

// RFC 6066 with BearSSL's TLS 1.2 engine (memory-budgets covers MFL over TLS 1.3)
const opts = (extra) => ({ ca: pki.root.certPem, lookup: loopback, maxVersion: '1.2', ...extra });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

for (const maxFragment of [512, 1024, 2048, 4096]) {
  test(`maxFragment ${maxFragment}: negotiated, every server record fits, the body arrives whole`, async () => {
    relay.received.length = 0;
    const res = await get(`https://localhost:${relay.port}/`, opts({ maxFragment }));
    assert.equal(sha256(await res.bytes()), sha256(BODY));
    assert.equal(res.tls.maxFragment, maxFragment);
    assert.ok(serverHelloExtensions(relay.firstBytes.at(-1)).includes(MAX_FRAGMENT_LENGTH), 'the server accepted MFL');
    assert.equal(res.memory.IO_BUFFER, maxFragment + TLS_RECORD_OVERHEAD);
    assert.ok(relay.received.length > BODY.length / maxFragment, 'the body came in small records');
    assert.ok(Math.max(...relay.received) <= maxFragment + AEAD_EXPANSION, `largest record ${Math.max(...relay.received)}`);
  });
}

test('without maxFragment the server sends full 16 KiB records', async () => {
  relay.received.length = 0;
  const res = await get(`https://localhost:${relay.port}/`, opts());
  assert.equal(sha256(await res.bytes()), sha256(BODY));
  assert.equal(res.tls.maxFragment, undefined);
  assert.ok(Math.max(...relay.received) > 16384);
});

test('MFL 1024 vs 16 KiB records: the core reports the smaller record buffer and arena', async () => {
  const full = await get(`https://localhost:${server.port}/`, opts());
  await full.bytes();
  const small = await get(`https://localhost:${server.port}/`, opts({ maxFragment: 1024 }));
  await small.bytes();
  assert.equal(full.memory.IO_BUFFER, 16709);
  assert.equal(small.memory.IO_BUFFER, 1024 + TLS_RECORD_OVERHEAD);
  assert.equal(full.memory.ARENA_USED - small.memory.ARENA_USED, 16709 - (1024 + TLS_RECORD_OVERHEAD));
});

test('a maxFragment outside RFC 6066 lengths is a CONFIG error', async () => {
  for (const maxFragment of [1000, 8192]) {
    const err = await rejection(() => get(`https://localhost:${server.port}/`, opts({ maxFragment })));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'CONFIG', `maxFragment ${maxFragment}`);
  }
});


test('a server that does not accept MFL in a resumed handshake: detected in its hello, a full handshake negotiates it', async () => {
  // OpenSSL resumes a session made without MFL and then leaves the
  // extension out of its hello even when the client offers it: a real
  // server not accepting MFL (the relay shows its hello).
  const store = new Map();
  const s = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' },
    handler(req, res) {
      res.setHeader('connection', 'close');
      res.end(BODY);
    },
  });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  const sRelay = await startRecordRelay(s.port);
  try {
    const url = `https://localhost:${sRelay.port}/`;
    await (await get(url, opts())).bytes();
    assert.equal(s.connections, 1);
    const res = await get(url, opts({ maxFragment: 1024 }));
    assert.equal(sha256(await res.bytes()), sha256(BODY));
    assert.equal(s.connections, 3, 'the resumed connection was closed after its handshake, before sending');
    assert.equal(serverHelloExtensions(sRelay.firstBytes[1]).includes(MAX_FRAGMENT_LENGTH), false, 'the resuming server did not accept MFL');
    assert.equal(res.tls.resumed, false, 'the second try is a full handshake');
    assert.equal(res.tls.maxFragment, 1024);
    assert.equal(res.memory.IO_BUFFER, 1024 + TLS_RECORD_OVERHEAD);
    // and its session, made with MFL, resumes with MFL
    const again = await get(url, opts({ maxFragment: 1024 }));
    assert.equal(sha256(await again.bytes()), sha256(BODY));
    assert.equal(s.connections, 4);
    assert.equal(again.tls.resumed, true);
    assert.equal(again.tls.maxFragment, 1024);
  } finally {
    await sRelay.close();
    await s.close();
  }
});

test('mh_tls_retry_advice: without the session after a resumption that left MFL out, none when MFL was agreed or not offered', async () => {
  // Handshakes driven through the ABI alone, so that no host policy decides first.
  const store = new Map();
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  const root = new X509Certificate(pki.root.certPem).raw;
  const handshake = async ({ maxFragment, session }) => {
    const core = new Core();
    const x = core.x;
    if (maxFragment) assert.equal(x.mh_limit_set(limitSpecs.find((l) => l.name === 'maxFragmentBytes').id, maxFragment), 0);
    assert.equal(x.mh_init(), 0);
    assert.equal(x.mh_anchor_add(core.putXfer(root)), 0);
    if (session) assert.equal(x.mh_session_import(core.putXfer(session)), 0);
    assert.equal((await driveTls(core, s.port)).ev, Event.IDLE);
    const seen = { advice: x.mh_tls_retry_advice(), resumed: x.mh_tls_resumed(), maxFragment: x.mh_tls_max_fragment() };
    const exported = Uint8Array.from(core.view(x.mh_xfer_ptr(), x.mh_session_export()));
    return { seen, session: exported };
  };
  try {
    const { seen: plain, session } = await handshake({});
    assert.deepEqual(plain, { advice: RetryAdvice.NONE, resumed: 0, maxFragment: 0 });
    assert.deepEqual((await handshake({ maxFragment: 1024, session })).seen,
      { advice: RetryAdvice.WITHOUT_SESSION, resumed: 1, maxFragment: 0 }, 'OpenSSL resumed the session made without MFL and left MFL out');
    assert.deepEqual((await handshake({ maxFragment: 1024 })).seen, { advice: RetryAdvice.NONE, resumed: 0, maxFragment: 1024 });
    assert.deepEqual((await handshake({ session })).seen, { advice: RetryAdvice.NONE, resumed: 1, maxFragment: 0 });
  } finally {
    await s.close();
  }
});

test('mh_tls_retry_advice is RETRY_NONE before any connection and over plain HTTP', () => {
  const core = new Core();
  const x = core.x;
  assert.equal(x.mh_limit_set(limitSpecs.find((l) => l.name === 'maxFragmentBytes').id, 1024), 0);
  assert.equal(x.mh_tls_retry_advice(), RetryAdvice.NONE);
  assert.equal(x.mh_init(), 0);
  assert.equal(x.mh_open(0, core.putXfer(Buffer.from('localhost'))), 0);
  assert.equal(x.mh_tls_retry_advice(), RetryAdvice.NONE);
});
