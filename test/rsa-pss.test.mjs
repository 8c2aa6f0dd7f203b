// RSASSA-PSS verification (tls/crypto/rsa_pss.c) in wasm against Node's
// crypto: signatures made by crypto.sign with RSA_PKCS1_PSS_PADDING on
// random keys verify, and every malformed one is refused: wrong salt
// length, wrong hash, a flipped bit, a wrong length, s >= n, and encoded
// messages built here field by field (trailer byte, leftmost bits, padding)
// and signed raw with the private key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, generatePrimeSync, privateEncrypt, sign } from 'node:crypto';
import { loadCryptoHarness } from './helpers/crypto-wasm.mjs';
import { prng, seededBytes } from './helpers/prng.mjs';

const { x, mem } = loadCryptoHarness({ simd: false });
const SIG = 0, HASH = 1024, N = 2048, E = 3072;
const HASHES = [['sha256', 256, 32], ['sha384', 384, 48], ['sha512', 512, 64]];
const KEY_BITS = [2048, 2048, 2048, 2050, 3072, 3072, 3072, 4096, 4096];

const b64u = (s) => Buffer.from(s, 'base64url');
const toBig = (buf) => BigInt(`0x${buf.toString('hex') || '0'}`);
const fromBig = (v) => { const h = v.toString(16); return Buffer.from(h.length % 2 ? `0${h}` : h, 'hex'); };

function describe(privateKey, publicKey) {
  const jwk = publicKey.export({ format: 'jwk' }), n = b64u(jwk.n);
  return { bits: toBig(n).toString(2).length, privateKey, n, e: b64u(jwk.e) };
}

function modInverse(a, m) {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) { const q = r0 / r1; [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1]; }
  return ((s0 % m) + m) % m;
}

/**
 * A 2049-bit key (modBits = 1 mod 8, so emLen = k - 1 and EM has no spare
 * bits), which OpenSSL's keygen does not make for odd sizes: from a 1025-bit
 * and a 1024-bit prime (both with their top two bits set, so n has 2049 bits).
 */
function key2049() {
  const e = 65537n;
  for (let i = 0; i < 20; i++) {
    const p = generatePrimeSync(1025, { bigint: true }), q = generatePrimeSync(1024, { bigint: true });
    if ((p - 1n) % e === 0n || (q - 1n) % e === 0n) continue;
    const d = modInverse(e, (p - 1n) * (q - 1n));
    const b = (v) => fromBig(v).toString('base64url');
    const jwk = { kty: 'RSA', n: b(p * q), e: b(e), d: b(d), p: b(p), q: b(q), dp: b(d % (p - 1n)), dq: b(d % (q - 1n)), qi: b(modInverse(q, p)) };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    return describe(privateKey, createPublicKey(privateKey));
  }
  throw new Error('no 2049-bit key in 20 tries');
}

const keys = [...KEY_BITS.map((bits) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return describe(privateKey, publicKey);
}), key2049()];

/** rsa_pss_verify through the harness; sig and msgHash as Buffers. */
function verify(key, sig, bits, msgHash, saltLen) {
  const m = mem();
  m.set(sig, SIG); m.set(msgHash, HASH); m.set(key.n, N); m.set(key.e, E);
  return x.ht_rsa_pss_verify(SIG, sig.length, bits, HASH, saltLen, N, key.n.length, E, key.e.length);
}

const nodeSign = (key, hash, message, saltLength) =>
  sign(hash, message, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });

/** MGF1 (RFC 8017 §B.2.1) on Node's hash. */
function mgf1(hash, seed, len) {
  const out = [];
  for (let c = 0, n = 0; n < len; c++) {
    const block = createHash(hash).update(seed).update(Buffer.from([c >>> 24, c >>> 16 & 255, c >>> 8 & 255, c & 255])).digest();
    out.push(block); n += block.length;
  }
  return Buffer.concat(out).subarray(0, len);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with hooks to break one field; returns EM, k bytes (leading 0 when emLen < k). */
function encode(key, hash, msgHash, salt, { trailer = 0xbc, separator = 0x01, psByte = 0, topBits = false } = {}) {
  const k = key.n.length, emBits = key.bits - 1, emLen = Math.ceil(emBits / 8), hLen = msgHash.length;
  const h = createHash(hash).update(Buffer.alloc(8)).update(msgHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - hLen - 2, psByte), Buffer.from([separator]), salt]);
  const masked = Buffer.from(db.map((b, i) => b ^ mgf1(hash, h, db.length)[i]));
  const spare = 8 * emLen - emBits, lead = Buffer.alloc(k - emLen);
  masked[0] &= 0xff >> spare;
  // a bit above emBits: the lowest spare bit of EM's first byte, or the byte in front of EM when there is none
  if (topBits && spare > 0) masked[0] |= 0x80 >> (spare - 1);
  if (topBits && spare === 0) lead[0] = 1;
  return Buffer.concat([lead, masked, h, Buffer.from([trailer])]);
}

const rawSign = (key, em) => privateEncrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, em);
const lessThanN = (key, em) => toBig(em) < toBig(key.n);

test('the keys have the sizes asked for', () => {
  assert.deepEqual(keys.map((k) => k.bits), [...KEY_BITS, 2049]);
});

for (const [hash, bits, hLen] of HASHES) {
  test(`${hash}: Node's PSS signatures (salt = hash length) verify, with the wrong salt length or hash they do not`, () => {
    const rand = prng(bits);
    for (const [i, key] of keys.entries()) {
      for (let j = 0; j < 3; j++) {
        const message = seededBytes(`${hash}/${i}/${j}`, Math.floor(rand() * 300));
        const msgHash = createHash(hash).update(message).digest();
        const sig = nodeSign(key, hash, message, hLen);
        assert.equal(verify(key, sig, bits, msgHash, hLen), 1, `${key.bits}-bit key, message ${j}`);
        assert.equal(verify(key, sig, bits, msgHash, hLen - 1), 0, 'salt length one short');
        assert.equal(verify(key, sig, bits, msgHash, hLen + 1), 0, 'salt length one long');
        const other = HASHES.find(([h]) => h !== hash);
        assert.equal(verify(key, sig, other[1], createHash(other[0]).update(message).digest(), other[2]), 0, `verified as ${other[0]}`);
        assert.equal(verify(key, sig, bits, createHash(hash).update(Buffer.concat([message, Buffer.from([0])])).digest(), hLen), 0, 'another message');
      }
    }
  });
}

test('salts other than the hash length verify only when asked for exactly', () => {
  const key = keys[0];
  for (const saltLen of [0, 1, 20, 48, 64]) {
    const message = seededBytes(`salt/${saltLen}`, 64), msgHash = createHash('sha256').update(message).digest();
    const sig = nodeSign(key, 'sha256', message, saltLen);
    assert.equal(verify(key, sig, 256, msgHash, saltLen), 1, `salt ${saltLen}`);
    if (saltLen !== 32) assert.equal(verify(key, sig, 256, msgHash, 32), 0, `salt ${saltLen} taken for 32`);
  }
  // a salt that cannot fit: emLen < hLen + sLen + 2
  const message = Buffer.from('x'), msgHash = createHash('sha256').update(message).digest();
  assert.equal(verify(key, nodeSign(key, 'sha256', message, 32), 256, msgHash, key.n.length), 0);
});

test('a flipped bit anywhere in the signature or the hash is refused', () => {
  const rand = prng(7);
  for (const [i, key] of keys.entries()) {
    const [hash, bits, hLen] = HASHES[i % 3];
    const message = seededBytes(`flip/${i}`, 100), msgHash = createHash(hash).update(message).digest();
    const sig = nodeSign(key, hash, message, hLen);
    for (let j = 0; j < 20; j++) {
      const bad = Buffer.from(sig), bit = Math.floor(rand() * bad.length * 8);
      bad[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(verify(key, bad, bits, msgHash, hLen), 0, `${key.bits}-bit key, signature bit ${bit}`);
    }
    const badHash = Buffer.from(msgHash);
    badHash[Math.floor(rand() * hLen)] ^= 0x10;
    assert.equal(verify(key, sig, bits, badHash, hLen), 0, 'hash bit');
  }
});

test('signatures shorter or longer than the modulus, or not below it, are refused', () => {
  for (const key of keys) {
    const message = Buffer.from('length'), msgHash = createHash('sha256').update(message).digest();
    const sig = nodeSign(key, 'sha256', message, 32);
    assert.equal(verify(key, sig, 256, msgHash, 32), 1);
    assert.equal(verify(key, Buffer.concat([Buffer.alloc(1), sig]), 256, msgHash, 32), 0, 'a leading zero byte');
    assert.equal(verify(key, sig.subarray(1), 256, msgHash, 32), 0, 'one byte short');
    assert.equal(verify(key, Buffer.alloc(0), 256, msgHash, 32), 0, 'empty');
    assert.equal(verify(key, key.n, 256, msgHash, 32), 0, 's = n');
    assert.equal(verify(key, Buffer.alloc(key.n.length, 0xff), 256, msgHash, 32), 0, 's = 2^8k - 1');
    const nPlus = Buffer.from(key.n); nPlus[nPlus.length - 1] ^= 1;
    if (!lessThanN(key, nPlus)) assert.equal(verify(key, nPlus, 256, msgHash, 32), 0, 's = n + 1');
  }
});

test('encoded messages built here: the right one verifies; wrong trailer, leftmost bits, separator or padding do not', () => {
  for (const [i, key] of keys.entries()) {
    const [hash, bits, hLen] = HASHES[i % 3];
    const msgHash = createHash(hash).update(seededBytes(`em/${i}`, 50)).digest(), salt = seededBytes(`emsalt/${i}`, hLen);
    const signed = (options) => rawSign(key, encode(key, hash, msgHash, salt, options));
    assert.equal(verify(key, signed({}), bits, msgHash, hLen), 1, `${key.bits}-bit key: our encoding`);
    assert.equal(verify(key, signed({ trailer: 0xbd }), bits, msgHash, hLen), 0, 'trailer 0xbd');
    assert.equal(verify(key, signed({ trailer: 0x00 }), bits, msgHash, hLen), 0, 'trailer 0x00');
    assert.equal(verify(key, signed({ separator: 0x02 }), bits, msgHash, hLen), 0, 'separator 0x02');
    assert.equal(verify(key, signed({ psByte: 0x01 }), bits, msgHash, hLen), 0, 'nonzero padding');
    // the leftmost bit above emBits set: only meaningful while the integer stays below n
    const high = encode(key, hash, msgHash, salt, { topBits: true });
    if (lessThanN(key, high)) assert.equal(verify(key, rawSign(key, high), bits, msgHash, hLen), 0, 'leftmost bit set');
  }
});

test('a leftmost bit set below n is refused (searched over salts, bounded)', () => {
  let checked = 0;
  for (const key of keys.filter((k) => k.bits % 8 === 0)) {
    for (let i = 0; i < 40; i++) {
      const msgHash = createHash('sha256').update(`top/${i}`).digest(), salt = seededBytes(`top/${key.bits}/${i}`, 32);
      const em = encode(key, 'sha256', msgHash, salt, { topBits: true });
      if (!lessThanN(key, em)) continue;
      assert.equal(verify(key, rawSign(key, em), 256, msgHash, 32), 0);
      checked++;
      break;
    }
  }
  assert.ok(checked > 0, 'no case below n was found');
});
