// Our crypto primitives (tls/crypto/) byte for byte against Node's crypto,
// on seeded random inputs of many lengths, in the SIMD and scalar builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { loadCryptoHarness } from './helpers/crypto-wasm.mjs';
import { seededBytes } from './helpers/prng.mjs';

// Lengths around block (16, 64) and lane (128, 256) boundaries, plus a full TLS record.
const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 1000, 4096, 16384 + 5];
const KEY = 0, IV = 64, TAG = 96, AAD = 128, DATA = 256;

/**
 * AES-CTR as BearSSL's engine runs it: the counter is the last 32 bits of the
 * block and wraps to 0 without carrying into the IV. Node's aes-*-ctr carries
 * (a 128-bit counter), so the data is split at the wrap.
 */
function nodeAesCtr32(key, iv12, counter, data) {
  const cipher = (c) => createCipheriv(`aes-${key.length * 8}-ctr`, key, Buffer.concat([iv12, Buffer.from([c >>> 24, c >>> 16 & 255, c >>> 8 & 255, c & 255])]));
  const split = Math.min(data.length, (2 ** 32 - counter) * 16);
  return Buffer.concat([cipher(counter).update(data.subarray(0, split)), cipher(0).update(data.subarray(split))]);
}

for (const simd of [true, false]) {
  const flavour = simd ? 'wasm SIMD' : 'scalar';
  const { x, mem } = loadCryptoHarness({ simd });

  test(`${flavour} build: SIMD primitives ${simd ? 'present' : 'absent'}`, () => {
    assert.equal(x.ht_has_simd(), simd ? 1 : 0);
  });

  for (const keyLen of [16, 24, 32]) {
    test(`${flavour} AES-${keyLen * 8}-CTR matches Node's aes-${keyLen * 8}-ctr, 32-bit counter wrap included`, () => {
      for (const [i, len] of LENGTHS.entries()) {
        const key = seededBytes(`aes${keyLen}/${i}`, keyLen), iv = seededBytes(`iv${i}`, 12), data = seededBytes(`d${i}`, len);
        // some runs wrap the 32-bit counter, at different blocks of a pass
        const counter = i % 4 === 1 ? 2 ** 32 - 1 - (i % 9) : i * 1001;
        const m = mem();
        m.set(key, KEY); m.set(iv, IV); m.set(data, DATA);
        const next = x.ht_aes_ctr(1, KEY, keyLen, IV, counter, DATA, len) >>> 0;
        assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), nodeAesCtr32(key, iv, counter, data), `length ${len}, counter ${counter}`);
        // as BearSSL's AES-CTR: whole blocks only
        assert.equal(next, (counter + Math.floor(len / 16)) >>> 0, `counter after ${len}`);
      }
    });
  }

  for (const keyLen of [16, 32]) {
    test(`${flavour} AES-${keyLen * 8}-GCM (our AES-CTR and GHASH in BearSSL's br_gcm) seals and opens like Node's aes-${keyLen * 8}-gcm`, () => {
      for (const [i, len] of LENGTHS.entries()) {
        for (const aadLen of [0, 13, 40]) {
          const key = seededBytes(`G${keyLen}/${i}`, keyLen), iv = seededBytes(`GN${i}`, 12);
          const aad = seededBytes(`GA${i}`, aadLen), data = seededBytes(`GD${i}/${aadLen}`, len);
          const c = createCipheriv(`aes-${keyLen * 8}-gcm`, key, iv);
          c.setAAD(aad);
          const sealed = Buffer.concat([c.update(data), c.final()]);
          const tag = c.getAuthTag();
          const m = mem();
          m.set(key, KEY); m.set(iv, IV); m.set(aad, AAD); m.set(data, DATA);
          x.ht_aes_gcm(1, KEY, keyLen, IV, AAD, aadLen, DATA, len, TAG, 1);
          assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), sealed, `ciphertext, length ${len}, aad ${aadLen}`);
          assert.deepEqual(Buffer.from(mem().subarray(TAG, TAG + 16)), tag, `tag, length ${len}, aad ${aadLen}`);
          x.ht_aes_gcm(1, KEY, keyLen, IV, AAD, aadLen, DATA, len, TAG, 0);
          assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), data, `opened, length ${len}`);
          assert.deepEqual(Buffer.from(mem().subarray(TAG, TAG + 16)), tag, `tag on open, length ${len}`);
        }
      }
    });
  }

  test(`${flavour} ChaCha20 matches Node's chacha20`, () => {
    for (const [i, len] of LENGTHS.entries()) {
      const key = seededBytes(`k${i}`, 32), nonce = seededBytes(`n${i}`, 12), data = seededBytes(`d${i}`, len);
      const counter = i === 3 ? 0xfffffffe : i * 7; // one run wraps the 32-bit counter
      const m = mem();
      m.set(key, KEY); m.set(nonce, IV); m.set(data, DATA);
      const next = x.ht_chacha20(KEY, IV, counter, DATA, len) >>> 0;
      const iv = Buffer.alloc(16);
      iv.writeUInt32LE(counter, 0);
      nonce.copy(iv, 4);
      const expected = createCipheriv('chacha20', key, iv).update(data);
      assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), expected, `length ${len}`);
      assert.equal(next, (counter + Math.ceil(len / 64)) >>> 0, `counter after ${len}`);
    }
  });

  test(`${flavour} ChaCha20-Poly1305 seals and opens like Node's chacha20-poly1305`, () => {
    for (const [i, len] of LENGTHS.entries()) {
      for (const aadLen of [0, 13, 40]) {
        const key = seededBytes(`K${i}`, 32), nonce = seededBytes(`N${i}`, 12);
        const aad = seededBytes(`A${i}`, aadLen), data = seededBytes(`D${i}/${aadLen}`, len);
        const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
        c.setAAD(aad, { plaintextLength: len });
        const sealed = Buffer.concat([c.update(data), c.final()]);
        const tag = c.getAuthTag();
        const m = mem();
        m.set(key, KEY); m.set(nonce, IV); m.set(aad, AAD); m.set(data, DATA);
        x.ht_chapol(KEY, IV, DATA, len, AAD, aadLen, TAG, 1);
        assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), sealed, `ciphertext, length ${len}, aad ${aadLen}`);
        assert.deepEqual(Buffer.from(mem().subarray(TAG, TAG + 16)), tag, `tag, length ${len}, aad ${aadLen}`);
        x.ht_chapol(KEY, IV, DATA, len, AAD, aadLen, TAG, 0);
        assert.deepEqual(Buffer.from(mem().subarray(DATA, DATA + len)), data, `opened, length ${len}`);
        assert.deepEqual(Buffer.from(mem().subarray(TAG, TAG + 16)), tag, `tag on open, length ${len}`);
      }
    }
  });
}
