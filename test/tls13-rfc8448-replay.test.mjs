// RFC 8448 §3 (Simple 1-RTT Handshake) replayed through the TLS 1.3 engine
// itself, not only its key schedule: the portable core's engine, linked into
// a test module with its test hook (test/helpers/engine-wasm.mjs,
// test/engine/engine_harness.c, -DMH_TEST_HOOKS; never in a core), gets the RFC's client random and X25519 private key as
// its entropy and sends the RFC's ClientHello instead of its own; then the
// server's records from the RFC go in, and what the engine writes must be
// the RFC's records byte for byte: its Finished, its application data and
// its close_notify. Data: vectors/tls13/rfc8448-simple-1rtt.json.
//
// The RFC's certificate is a self-signed RSA-1024 leaf valid from 2016-07-30
// to 2026-07-30. The replay runs the X.509 step in the engine's insecure
// mode (the leaf's key is read unvalidated; CertificateVerify is still
// checked with it); a secure open with a test clock inside the validity and
// the certificate as trust anchor is refused, as our policy refuses RSA keys
// under 2048 bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadEngineHarness } from './helpers/engine-wasm.mjs';
import { Transport, ErrorCodes } from '../dist/generated/spec.js';

const V = JSON.parse(readFileSync(new URL('../vectors/tls13/rfc8448-simple-1rtt.json', import.meta.url)));
const hex = (s) => Buffer.from(s, 'hex');
const R = Object.fromEntries(Object.entries(V.records).map(([k, v]) => [k, hex(v)]));
const { x, mem } = loadEngineHarness();

// Scratch layout
const NAME = 0, RANDOM = 256, PRIV = 512, HELLO = 1024, IN = 4096, OUT = 32768, CERT = 65536;
const put = (offset, bytes) => { mem().set(bytes, offset); return offset; };
const get = (offset, len) => Buffer.from(mem().subarray(offset, offset + len));
const CCS = Buffer.from([20, 3, 3, 0, 1, 1]);

const clientHello = hex(V.messages.client_hello);
const clientRandom = clientHello.subarray(6, 38);

function open({ insecure = 1 } = {}) {
  put(NAME, Buffer.from('server'));
  put(RANDOM, clientRandom);
  put(PRIV, hex(V.client_x25519_private_key));
  put(HELLO, clientHello);
  return x.ht_engine_open(NAME, 6, RANDOM, PRIV, HELLO, clientHello.length, insecure);
}
const take = () => get(OUT, x.ht_engine_take(OUT));
const feed = (bytes) => x.ht_engine_feed(put(IN, bytes), bytes.length);
const state = () => x.ht_engine_state();

/** AES-128-GCM open of a TLS 1.3 record with the RFC's key and IV (sequence 0). */
function openRecord(record, key, iv) {
  const d = createDecipheriv('aes-128-gcm', hex(key), hex(iv)).setAAD(record.subarray(0, 5));
  d.setAuthTag(record.subarray(-16));
  return Buffer.concat([d.update(record.subarray(5, -16)), d.final()]);
}

test('the RFC data agree with each other: private key, shares, shared secret, and the records open to the messages', () => {
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: hex(V.client_x25519_private_key).toString('base64url'), x: hex(V.client_x25519_public_key).toString('base64url') }, format: 'jwk' });
  assert.equal(Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x, 'base64url').toString('hex'), V.client_x25519_public_key);
  assert.ok(clientHello.includes(hex(V.client_x25519_public_key)), 'the ClientHello carries that share');
  const serverShare = R.server_hello.subarray(-38, -6); // key_share's key, before supported_versions
  const server = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: serverShare.toString('base64url') }, format: 'jwk' });
  assert.equal(diffieHellman({ privateKey: priv, publicKey: server }).toString('hex'), V.ecdhe_shared_secret);
  assert.equal(R.server_hello.subarray(5).toString('hex'), V.messages.server_hello);
  const flight = ['encrypted_extensions', 'certificate', 'certificate_verify', 'server_finished'].map((m) => V.messages[m]).join('');
  const { server_handshake: sh, client_handshake: ch } = V.traffic_keys;
  assert.equal(openRecord(R.server_handshake, sh.key, sh.iv).toString('hex'), `${flight}16`);
  assert.equal(openRecord(R.client_finished, ch.key, ch.iv).toString('hex'), `${V.messages.client_finished}16`);
});

test('RFC 8448 3 through the engine: ServerHello, handshake keys, the server\'s flight, Finished both ways, byte for byte', () => {
  assert.equal(open(), 0);
  const hello = take();
  assert.deepEqual(hello.subarray(5), clientHello, 'the replayed ClientHello went out');
  assert.equal(feed(R.server_hello), R.server_hello.length);
  assert.equal(take().length, 0, 'nothing to send after the ServerHello');
  assert.equal(feed(R.server_handshake), R.server_handshake.length);
  assert.equal(x.ht_engine_error(), 0, `engine error ${x.ht_engine_error()} detail ${x.ht_engine_detail()}`);
  // middlebox compatibility: our ChangeCipherSpec first (the RFC's client sends none), then the RFC's Finished record
  assert.deepEqual(take(), Buffer.concat([CCS, R.client_finished]));
  assert.ok(state() & Transport.SENDAPP, 'connected');
  assert.equal(x.ht_engine_record_limit(), 0x4001, 'the server\'s record_size_limit from its EncryptedExtensions');

  // after the handshake: the ticket, application data both ways, close_notify
  assert.equal(feed(R.server_new_session_ticket), R.server_new_session_ticket.length);
  assert.equal(x.ht_engine_ticket_lifetime(), 30);
  assert.ok(x.ht_engine_ticket() > 0, 'the ticket is kept');
  const data = hex(V.application_data);
  assert.equal(x.ht_engine_write(put(IN, data), data.length), data.length);
  assert.deepEqual(take(), R.client_application_data);
  assert.equal(feed(R.server_application_data), R.server_application_data.length);
  assert.deepEqual(get(OUT, x.ht_engine_read(OUT)), data);
  x.ht_engine_close();
  assert.deepEqual(take(), R.client_close_notify);
  assert.equal(x.ht_engine_error(), 0);
});

/** A server flight like the RFC's, sealed with its server handshake key and IV, with one message changed. */
function changedFlight(name, at) {
  const messages = ['encrypted_extensions', 'certificate', 'certificate_verify', 'server_finished'].map((m) => hex(V.messages[m]));
  const changed = messages[name === 'certificate_verify' ? 2 : 3];
  changed[at < 0 ? changed.length + at : at] ^= 1;
  const inner = Buffer.concat([...messages, Buffer.from([22])]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 255]);
  const { key, iv } = V.traffic_keys.server_handshake;
  const c = createCipheriv('aes-128-gcm', hex(key), hex(iv)).setAAD(header);
  return Buffer.concat([header, c.update(inner), c.final(), c.getAuthTag()]);
}

// BearSSL's numbers, as the engine records them, and the alert it sends (under the client handshake keys)
const CHANGES = [
  ['one bit of the record (AEAD)', () => { const r = Buffer.from(R.server_handshake); r[15] ^= 1; return r; }, 7 /* BR_ERR_BAD_MAC */, 20 /* bad_record_mac */],
  ['one bit of the CertificateVerify signature', () => changedFlight('certificate_verify', -1), 27 /* BR_ERR_BAD_SIGNATURE */, 51 /* decrypt_error */],
  ['one bit of the server Finished', () => changedFlight('server_finished', -1), 24 /* BR_ERR_BAD_FINISHED */, 51],
];

for (const [what, flight, detail, alert] of CHANGES) {
  test(`the replay fails where the trace is changed: ${what}`, () => {
    assert.equal(open(), 0);
    take();
    feed(R.server_hello);
    feed(flight());
    assert.notEqual(x.ht_engine_error(), 0);
    assert.equal(x.ht_engine_detail(), detail);
    const { client_handshake: ch } = V.traffic_keys;
    assert.deepEqual(openRecord(take(), ch.key, ch.iv), Buffer.from([2, alert, 21]), 'our fatal alert');
  });
}

test('secure mode with a test clock inside the certificate\'s validity: the RFC\'s RSA-1024 leaf is refused by our policy', () => {
  const certificate = hex(V.messages.certificate);
  const derLength = certificate.readUIntBE(8, 3);
  const der = certificate.subarray(11, 11 + derLength);
  assert.equal(x.ht_engine_anchor(put(CERT, der), der.length), 0);
  x.ht_engine_clock(BigInt(Date.UTC(2020, 0, 1) / 1000));
  try {
    assert.equal(open({ insecure: 0 }), 0);
    take();
    feed(R.server_hello);
    feed(R.server_handshake);
    assert.equal(x.ht_engine_error(), ErrorCodes.CERT_INVALID, `error ${x.ht_engine_error()} detail ${x.ht_engine_detail()}`);
    assert.equal(x.ht_engine_detail(), 60, 'BR_ERR_X509_WEAK_PUBLIC_KEY');
  } finally {
    x.ht_engine_clock(-1n);
  }
});
