// The TLS 1.3 key schedule (tls/tls13/key_schedule.c) in wasm: RFC 8448's
// simple 1-RTT trace byte for byte (vectors/tls13/rfc8448-simple-1rtt.json),
// then SHA-384, KeyUpdate and long or odd-sized outputs against an
// HKDF-Expand-Label written here on Node's HMAC (itself checked against
// Node's hkdfSync), on seeded random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadCryptoHarness } from './helpers/crypto-wasm.mjs';
import { seededBytes } from './helpers/prng.mjs';

const V = JSON.parse(readFileSync(new URL('../vectors/tls13/rfc8448-simple-1rtt.json', import.meta.url)));
const hex = (s) => Buffer.from(s, 'hex');
const { x, mem } = loadCryptoHarness({ simd: false });

// Scratch layout: inputs and outputs at fixed offsets, far apart.
const A = 0, B = 1024, C = 2048, OUT = 4096, OUT2 = 8192, LABEL = 12288;

function put(offset, bytes) { mem().set(bytes, offset); return offset; }
function get(offset, len) { return Buffer.from(mem().subarray(offset, offset + len)); }
function label(text) { return put(LABEL, Buffer.from(`${text}\0`, 'latin1')); }

const wasm = {
  init(bits, psk) { if (psk) put(A, psk); x.ht_ks_init(bits, psk ? 1 : 0, A, psk ? psk.length : 0); },
  next(ikm) { if (ikm) put(A, ikm); x.ht_ks_next(ikm ? 1 : 0, A, ikm ? ikm.length : 0); },
  secret() { const n = x.ht_ks_secret(OUT); return get(OUT, n); },
  deriveSecret(text, transcriptHash) {
    put(B, transcriptHash); x.ht_derive_secret(label(text), B, OUT); return get(OUT, transcriptHash.length);
  },
  expandLabel(bits, secret, text, context, len) {
    put(A, secret); put(B, context);
    x.ht_expand_label(bits, A, secret.length, label(text), B, context.length, OUT, len); return get(OUT, len);
  },
  trafficKeys(bits, secret, keyLen) {
    put(A, secret); x.ht_traffic_keys(bits, A, OUT, keyLen, OUT2); return { key: get(OUT, keyLen), iv: get(OUT2, 12) };
  },
  finishedMac(bits, baseKey, transcriptHash) {
    put(A, baseKey); put(B, transcriptHash); x.ht_finished_mac(bits, A, B, OUT); return get(OUT, baseKey.length);
  },
  nextTrafficSecret(bits, secret) { put(A, secret); x.ht_next_traffic_secret(bits, A); return get(A, secret.length); },
  resumptionPsk(bits, rms, nonce) {
    put(A, rms); put(B, nonce); x.ht_resumption_psk(bits, A, B, nonce.length, OUT); return get(OUT, rms.length);
  },
};

// The reference: RFC 5869 and RFC 8446 §7.1 on Node's HMAC.
const ref = {
  extract: (hash, salt, ikm) => createHmac(hash, salt).update(ikm).digest(),
  expand(hash, prk, info, len) {
    const blocks = [];
    let t = Buffer.alloc(0);
    for (let i = 1, n = 0; n < len; i++, n += t.length) {
      t = createHmac(hash, prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
      blocks.push(t);
    }
    return Buffer.concat(blocks).subarray(0, len);
  },
  hkdfLabel(text, context, len) {
    const full = Buffer.from(`tls13 ${text}`, 'latin1');
    return Buffer.concat([Buffer.from([len >> 8, len & 255, full.length]), full, Buffer.from([context.length]), context]);
  },
  expandLabel: (hash, secret, text, context, len) => ref.expand(hash, secret, ref.hkdfLabel(text, context, len), len),
};

const transcript = (...names) => createHash('sha256').update(Buffer.concat(names.map((n) => hex(V.messages[n])))).digest();
const UP_TO_CV = ['client_hello', 'server_hello', 'encrypted_extensions', 'certificate', 'certificate_verify'];

test('RFC 8448: the messages hash to the transcript hashes the RFC prints', () => {
  const th = V.transcript_hashes;
  assert.equal(transcript('client_hello', 'server_hello').toString('hex'), th['client_hello..server_hello']);
  assert.equal(transcript(...UP_TO_CV, 'server_finished').toString('hex'), th['client_hello..server_finished']);
  assert.equal(transcript(...UP_TO_CV, 'server_finished', 'client_finished').toString('hex'), th['client_hello..client_finished']);
});

test('RFC 8448: early, handshake and master secrets and every Derive-Secret of the full handshake', () => {
  const th = V.transcript_hashes, hello = hex(th['client_hello..server_hello']), done = hex(th['client_hello..server_finished']);
  wasm.init(256, null);
  assert.equal(wasm.secret().toString('hex'), V.early_secret);
  assert.equal(wasm.deriveSecret('derived', hex(th.empty)).toString('hex'), V.derived_for_handshake);
  wasm.next(hex(V.ecdhe_shared_secret));
  assert.equal(wasm.secret().toString('hex'), V.handshake_secret);
  assert.equal(wasm.deriveSecret('c hs traffic', hello).toString('hex'), V.client_handshake_traffic_secret);
  assert.equal(wasm.deriveSecret('s hs traffic', hello).toString('hex'), V.server_handshake_traffic_secret);
  assert.equal(wasm.deriveSecret('derived', hex(th.empty)).toString('hex'), V.derived_for_master);
  wasm.next(null);
  assert.equal(wasm.secret().toString('hex'), V.master_secret);
  assert.equal(wasm.deriveSecret('c ap traffic', done).toString('hex'), V.client_application_traffic_secret_0);
  assert.equal(wasm.deriveSecret('s ap traffic', done).toString('hex'), V.server_application_traffic_secret_0);
  assert.equal(wasm.deriveSecret('exp master', done).toString('hex'), V.exporter_master_secret);
  assert.equal(wasm.deriveSecret('res master', hex(th['client_hello..client_finished'])).toString('hex'), V.resumption_master_secret);
});

test('RFC 8448: AES-128-GCM write keys and IVs from the four traffic secrets', () => {
  const secrets = {
    server_handshake: V.server_handshake_traffic_secret, client_handshake: V.client_handshake_traffic_secret,
    server_application: V.server_application_traffic_secret_0, client_application: V.client_application_traffic_secret_0,
  };
  for (const [name, secret] of Object.entries(secrets)) {
    const { key, iv } = wasm.trafficKeys(256, hex(secret), 16);
    assert.equal(key.toString('hex'), V.traffic_keys[name].key, `${name} key`);
    assert.equal(iv.toString('hex'), V.traffic_keys[name].iv, `${name} iv`);
  }
});

test('RFC 8448: finished keys and both Finished verify_data', () => {
  const sHs = hex(V.server_handshake_traffic_secret), cHs = hex(V.client_handshake_traffic_secret);
  assert.equal(wasm.expandLabel(256, sHs, 'finished', Buffer.alloc(0), 32).toString('hex'), V.finished.server.finished_key);
  assert.equal(wasm.expandLabel(256, cHs, 'finished', Buffer.alloc(0), 32).toString('hex'), V.finished.client.finished_key);
  assert.equal(wasm.finishedMac(256, sHs, transcript(...UP_TO_CV)).toString('hex'), V.finished.server.verify_data);
  assert.equal(wasm.finishedMac(256, cHs, hex(V.transcript_hashes['client_hello..server_finished'])).toString('hex'),
    V.finished.client.verify_data);
  // and the Finished messages carry exactly those
  assert.equal(V.messages.server_finished.slice(8), V.finished.server.verify_data);
  assert.equal(V.messages.client_finished.slice(8), V.finished.client.verify_data);
});

test('RFC 8448: the ticket nonce gives §4\'s PSK, which gives §4\'s early secret and binder key', () => {
  const psk = wasm.resumptionPsk(256, hex(V.resumption_master_secret), hex(V.ticket_nonce));
  assert.equal(psk.toString('hex'), V.resumption_psk);
  wasm.init(256, psk);
  assert.equal(wasm.secret().toString('hex'), V.resumed_early_secret);
  assert.equal(wasm.deriveSecret('res binder', hex(V.transcript_hashes.empty)).toString('hex'), V.resumed_binder_key);
});

test('the reference HKDF agrees with Node\'s hkdfSync', () => {
  for (const hash of ['sha256', 'sha384']) {
    const salt = seededBytes(`salt/${hash}`, 20), ikm = seededBytes(`ikm/${hash}`, 40), info = seededBytes(`info/${hash}`, 30);
    assert.deepEqual(ref.expand(hash, ref.extract(hash, salt, ikm), info, 200), Buffer.from(hkdfSync(hash, ikm, salt, info, 200)));
  }
});

for (const [bits, hash, len] of [[256, 'sha256', 32], [384, 'sha384', 48]]) {
  test(`SHA-${bits}: HKDF-Expand-Label for many output, label and context lengths`, () => {
    const labels = ['', 'key', 'iv', 'finished', 'traffic upd', 'a label of some length', 'x'.repeat(249)];
    for (let i = 0; i < 40; i++) {
      const secret = seededBytes(`s${bits}/${i}`, len), context = seededBytes(`c${bits}/${i}`, [0, 1, 32, 48, 64, 255][i % 6]);
      const text = labels[i % labels.length], outLen = [1, 12, 16, 32, 33, 48, 64, 100, 255][i % 9];
      assert.deepEqual(wasm.expandLabel(bits, secret, text, context, outLen), ref.expandLabel(hash, secret, text, context, outLen),
        `label ${text.length} bytes, context ${context.length}, out ${outLen}`);
    }
  });

  test(`SHA-${bits}: a whole schedule, traffic keys, Finished, KeyUpdate chain and resumption PSK match the reference`, () => {
    const ecdhe = seededBytes(`ecdhe${bits}`, 32), th = seededBytes(`th${bits}`, len), zeros = Buffer.alloc(len);
    const derived = (secret) => ref.expandLabel(hash, secret, 'derived', createHash(hash).digest(), len);
    const early = ref.extract(hash, zeros, zeros);
    const hs = ref.extract(hash, derived(early), ecdhe);
    const master = ref.extract(hash, derived(hs), zeros);
    wasm.init(bits, null);
    assert.deepEqual(wasm.secret(), early);
    wasm.next(ecdhe);
    assert.deepEqual(wasm.secret(), hs);
    const cHs = wasm.deriveSecret('c hs traffic', th);
    assert.deepEqual(cHs, ref.expandLabel(hash, hs, 'c hs traffic', th, len));
    wasm.next(null);
    assert.deepEqual(wasm.secret(), master);

    const { key, iv } = wasm.trafficKeys(bits, cHs, 32);
    assert.deepEqual(key, ref.expandLabel(hash, cHs, 'key', Buffer.alloc(0), 32));
    assert.deepEqual(iv, ref.expandLabel(hash, cHs, 'iv', Buffer.alloc(0), 12));
    const finishedKey = ref.expandLabel(hash, cHs, 'finished', Buffer.alloc(0), len);
    assert.deepEqual(wasm.finishedMac(bits, cHs, th), createHmac(hash, finishedKey).update(th).digest());

    // KeyUpdate, several generations in place
    let mine = cHs, theirs = cHs;
    for (let g = 0; g < 5; g++) {
      mine = wasm.nextTrafficSecret(bits, mine);
      theirs = ref.expandLabel(hash, theirs, 'traffic upd', Buffer.alloc(0), len);
      assert.deepEqual(mine, theirs, `generation ${g + 1}`);
    }

    for (const nonce of [Buffer.alloc(0), Buffer.from([0]), seededBytes(`nonce${bits}`, 8), seededBytes(`long${bits}`, 255)]) {
      assert.deepEqual(wasm.resumptionPsk(bits, master, nonce), ref.expandLabel(hash, master, 'resumption', nonce, len), `nonce ${nonce.length} bytes`);
    }
    const psk = seededBytes(`psk${bits}`, len);
    wasm.init(bits, psk);
    assert.deepEqual(wasm.secret(), ref.extract(hash, zeros, psk));
  });
}
