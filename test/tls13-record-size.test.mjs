// Record sizes in TLS 1.3: record_size_limit (RFC 8449) in every ClientHello,
// max_fragment_length (RFC 6066) beside it below a full record buffer. No
// local peer implements RFC 8449 (OpenSSL does not: see the s_server trace
// below), so its acceptance, the server's own limit on what we send, and
// malformed values run against a scripted TLS 1.3 server on Node's crypto
// (helpers/tls13-scripted.mjs); Node's and openssl's servers show what
// OpenSSL does with both offers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { get, MicroHttpsError } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';
import { startScriptedTls13Server, ext } from './helpers/tls13-scripted.mjs';
import { startTls13HttpsServer } from './helpers/tls13-servers.mjs';
import { startOpensslServer } from './helpers/openssl-server.mjs';
import { startRecordRelay } from './helpers/record-relay.mjs';
import { prng } from './helpers/prng.mjs';

const MAX_FRAGMENT_LENGTH = 1, RECORD_SIZE_LIMIT = 28; // extension numbers
const ALERT = { decode_error: 50, illegal_parameter: 47, unsupported_extension: 110, record_overflow: 22 };
const TAG = 16; // AEAD tag: a TLS 1.3 record is its inner plaintext + 16
const u16 = (n) => [(n >> 8) & 255, n & 255];
const rsl = (value) => ext(RECORD_SIZE_LIMIT, u16(value));
const mfl = (code) => ext(MAX_FRAGMENT_LENGTH, [code]);
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

let pki, leaf;
before(() => {
  pki = makePki();
  leaf = pki.issueLeaf();
});
after(() => pki.cleanup());

const opts = (extra) => ({ ca: pki.root.certPem, lookup: loopback, minVersion: '1.3', sessionCache: false, timeout: 10_000, ...extra });

/** A scripted server for one test, closed after it. */
async function scripted(t, options) {
  const server = await startScriptedTls13Server({ leaf, ...options });
  t.after(() => server.close());
  return server;
}

/** The alerts a connection's client sent, once it hung up (bounded). */
async function alertsOf(conn) {
  let timer;
  await Promise.race([conn.closed, new Promise((resolve) => { timer = setTimeout(resolve, 5000); })]);
  clearTimeout(timer);
  return conn.alerts;
}

/** What a ClientHello offered: record_size_limit's value and max_fragment_length's code (undefined when absent). */
const offered = (exts) => ({
  recordSizeLimit: exts.has(RECORD_SIZE_LIMIT) ? exts.get(RECORD_SIZE_LIMIT).readUInt16BE(0) : undefined,
  maxFragmentCode: exts.has(MAX_FRAGMENT_LENGTH) ? exts.get(MAX_FRAGMENT_LENGTH)[0] : undefined,
});

test('every ClientHello offers record_size_limit (fragment + 1), and max_fragment_length below a full record buffer', async (t) => {
  const server = await scripted(t, { encryptedExtensions: (exts) => (exts.has(MAX_FRAGMENT_LENGTH) ? mfl(exts.get(MAX_FRAGMENT_LENGTH)[0]) : Buffer.alloc(0)) });
  const cases = [[undefined, 16385, undefined], [512, 513, 1], [1024, 1025, 2], [2048, 2049, 3], [4096, 4097, 4]];
  for (const [maxFragment, limit, code] of cases) {
    const res = await get(`https://localhost:${server.port}/`, opts({ maxFragment }));
    assert.equal(await res.text(), 'ok');
    const exts = server.connections.at(-1).clientExtensions;
    assert.deepEqual(offered(exts), { recordSizeLimit: limit, maxFragmentCode: code }, `maxFragment ${maxFragment}`);
    // before any last extension (pre_shared_key must be last, RFC 8446 4.2.11)
    assert.notEqual([...exts.keys()].indexOf(RECORD_SIZE_LIMIT), -1);
    assert.equal(res.tls.maxFragment, maxFragment);
  }
});

test('a server that accepts record_size_limit: maxFragment in force with one connection, its records fit, ours keep to its limit', async (t) => {
  const body = randomBytes(20_000);
  const server = await scripted(t, {
    encryptedExtensions: rsl(300),
    respond: () => ({ body, recordSize: 1024 }),
  });
  const upload = randomBytes(5000);
  const res = await get(`https://localhost:${server.port}/`, opts({ maxFragment: 1024, method: 'POST', body: upload }));
  assert.equal(sha256(await res.bytes()), sha256(body));
  assert.equal(server.connections.length, 1, 'no retry: the limit was agreed');
  const [conn] = server.connections;
  assert.equal(conn.clientFinishedOk, true);
  assert.equal(res.tls.maxFragment, 1024);
  assert.ok(conn.request.subarray(-upload.length).equals(upload), 'the upload arrived whole');
  // RFC 8449 4: the limit counts the inner content type byte in TLS 1.3
  assert.ok(Math.max(...conn.appRecords) <= 300, `our largest record carried ${Math.max(...conn.appRecords)} bytes`);
  assert.ok(conn.appRecords.filter((n) => n === 300).length >= 10, 'and used it fully');
});

test('the server\'s record_size_limit bounds our records with a full buffer too, down to the minimum 64', async (t) => {
  for (const limit of [64, 1000, 16385, 65535]) {
    const server = await startScriptedTls13Server({ leaf, encryptedExtensions: rsl(limit) });
    try {
      const upload = randomBytes(3000);
      const res = await get(`https://localhost:${server.port}/`, opts({ method: 'POST', body: upload }));
      assert.equal(await res.text(), 'ok');
      assert.equal(res.tls.maxFragment, undefined, 'no smaller record buffer was asked for');
      const [conn] = server.connections;
      assert.ok(conn.request.subarray(-upload.length).equals(upload));
      assert.ok(Math.max(...conn.appRecords) <= Math.min(limit, 16385), `limit ${limit}: largest ${Math.max(...conn.appRecords)}`);
    } finally {
      await server.close();
    }
  }
});

test('a server that accepts neither extension: the maxFragment retry (mh_tls_retry_advice) connects again without them', async (t) => {
  const body = randomBytes(40_000);
  const server = await scripted(t, { respond: () => ({ body }) });
  const res = await get(`https://localhost:${server.port}/`, opts({ maxFragment: 1024 }));
  assert.equal(sha256(await res.bytes()), sha256(body));
  assert.equal(server.connections.length, 2);
  assert.deepEqual(offered(server.connections[0].clientExtensions), { recordSizeLimit: 1025, maxFragmentCode: 2 });
  assert.deepEqual(offered(server.connections[1].clientExtensions), { recordSizeLimit: 16385, maxFragmentCode: undefined });
  assert.deepEqual(server.connections[0].appRecords, [], 'nothing was sent on the first connection');
  assert.equal(res.tls.maxFragment, undefined);
});

test('a record larger than the agreed limit is record_overflow: TLS_PROTOCOL, reason RECORD_OVERFLOW, a message that says so', async (t) => {
  const server = await scripted(t, { encryptedExtensions: rsl(16385), respond: () => ({ body: randomBytes(3000), recordSize: 1025 }) });
  const err = await rejection(async () => (await get(`https://localhost:${server.port}/`, opts({ maxFragment: 1024 }))).bytes());
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'TLS_PROTOCOL');
  assert.equal(err.reason, 'RECORD_OVERFLOW');
  assert.match(err.message, /record larger than/);
  assert.deepEqual(await alertsOf(server.connections[0]), [ALERT.record_overflow]);
});

// Malformed or misplaced answers: the error, and the alert the server got.
const REFUSED = [
  ['record_size_limit of 1 byte', { encryptedExtensions: ext(RECORD_SIZE_LIMIT, [64]) }, undefined, ALERT.decode_error],
  ['record_size_limit of 3 bytes', { encryptedExtensions: ext(RECORD_SIZE_LIMIT, [0, 64, 0]) }, undefined, ALERT.decode_error],
  ['record_size_limit 63', { encryptedExtensions: rsl(63) }, undefined, ALERT.illegal_parameter],
  ['record_size_limit 0', { encryptedExtensions: rsl(0) }, 1024, ALERT.illegal_parameter],
  ['record_size_limit twice', { encryptedExtensions: Buffer.concat([rsl(1025), rsl(1025)]) }, 1024, ALERT.illegal_parameter],
  ['record_size_limit and max_fragment_length (RFC 8449 5)', { encryptedExtensions: Buffer.concat([mfl(2), rsl(1025)]) }, 1024, ALERT.illegal_parameter],
  ['max_fragment_length with another code', { encryptedExtensions: mfl(3) }, 1024, ALERT.illegal_parameter],
  ['max_fragment_length not offered', { encryptedExtensions: mfl(4) }, undefined, ALERT.unsupported_extension],
  ['record_size_limit in the ServerHello', { serverHelloExtensions: rsl(1025) }, 1024, ALERT.illegal_parameter],
  ['max_fragment_length in the ServerHello', { serverHelloExtensions: mfl(2) }, 1024, ALERT.illegal_parameter],
];

for (const [name, options, maxFragment, alert] of REFUSED) {
  test(`refused: ${name}`, async (t) => {
    const server = await scripted(t, options);
    const err = await rejection(() => get(`https://localhost:${server.port}/`, opts({ maxFragment })));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'TLS_PROTOCOL', err.message);
    assert.equal(server.connections.length, 1);
    assert.deepEqual(await alertsOf(server.connections[0]), [alert]);
  });
}

test('seeded record_size_limit bodies of 0 to 4 bytes: refused or used exactly as RFC 8449 says', async (t) => {
  const rand = prng(8449);
  const bodies = Array.from({ length: 40 }, () => Array.from({ length: Math.floor(rand() * 5) }, () => (rand() < 0.5 ? 0 : Math.floor(rand() * 256))));
  let current;
  const server = await scripted(t, { encryptedExtensions: () => ext(RECORD_SIZE_LIMIT, current) });
  for (const body of bodies) {
    current = body;
    const expected = body.length !== 2 ? ALERT.decode_error : (body[0] << 8 | body[1]) < 64 ? ALERT.illegal_parameter : undefined;
    const before = server.connections.length;
    const outcome = await get(`https://localhost:${server.port}/`, opts()).then((res) => res.text(), (err) => err);
    const conn = server.connections[before];
    if (expected === undefined) {
      assert.equal(outcome, 'ok', `body ${body}`);
    } else {
      assert.equal(outcome.code, 'TLS_PROTOCOL', `body ${body}`);
      assert.deepEqual(await alertsOf(conn), [expected], `body ${body}`);
    }
  }
});

// Real peers: OpenSSL 3 (Node's and Debian's) ignores record_size_limit and
// honours max_fragment_length in TLS 1.3, both ways.
test('Node\'s TLS 1.3 server: maxFragment 1024 agreed through max_fragment_length; its records and ours fit both ways', async (t) => {
  const body = randomBytes(100_000);
  const server = await startTls13HttpsServer({ leaf, handler: (req, res) => { req.resume(); req.on('end', () => res.end(body)); } });
  const relay = await startRecordRelay(server.port);
  t.after(async () => { await relay.close(); await server.close(); });
  const upload = randomBytes(20_000);
  const res = await get(`https://localhost:${relay.port}/`, opts({ maxFragment: 1024, method: 'POST', body: upload }));
  assert.equal(sha256(await res.bytes()), sha256(body));
  assert.equal(res.tls.version, 'TLSv1.3');
  assert.equal(res.tls.maxFragment, 1024);
  assert.equal(relay.connections, 1);
  assert.ok(relay.received.length > body.length / 1024);
  assert.ok(Math.max(...relay.received) <= 1024 + 1 + TAG, `server's largest record ${Math.max(...relay.received)}`);
  assert.ok(Math.max(...relay.sent) <= 1024 + 1 + TAG, `our largest record ${Math.max(...relay.sent)}`);
  assert.ok(relay.sent.filter((n) => n === 1024 + 1 + TAG).length >= 15, 'our upload used full 1024-byte records');
});

test('openssl s_server -trace: our record_size_limit is offered, its EncryptedExtensions answer max_fragment_length only', async (t) => {
  const s = await startOpensslServer({ leaf, args: ['-tls1_3', '-trace'] });
  t.after(() => s.stop());
  const res = await get(`https://localhost:${s.port}/`, opts({ maxFragment: 2048 }));
  await res.bytes();
  assert.equal(res.tls.maxFragment, 2048);
  const trace = s.msgLog();
  const clientHello = trace.slice(trace.indexOf('ClientHello'), trace.indexOf('ServerHello'));
  assert.match(clientHello, /extension_type=record_size_limit\(28\)|extension_type=UNKNOWN\(28\)/);
  assert.match(clientHello, /extension_type=max_fragment_length\(1\)/);
  const encryptedExtensions = trace.slice(trace.indexOf('EncryptedExtensions'), trace.indexOf('Certificate'));
  assert.match(encryptedExtensions, /max_fragment_length/);
  assert.doesNotMatch(encryptedExtensions, /record_size_limit|\(28\)/);
});

test('openssl s_server -max_send_frag 512 with a full record buffer: small records, the page arrives', async (t) => {
  const s = await startOpensslServer({ leaf, args: ['-tls1_3', '-max_send_frag', '512'] });
  const relay = await startRecordRelay(s.port);
  t.after(async () => { await relay.close(); await s.stop(); });
  const res = await get(`https://localhost:${relay.port}/`, opts());
  const page = await res.text();
  assert.match(page, /Ciphers supported in s_server binary/);
  assert.ok(page.length > 2048);
  assert.ok(Math.max(...relay.received) <= 512 + 1 + TAG + 255, `largest ${Math.max(...relay.received)}`);
});
