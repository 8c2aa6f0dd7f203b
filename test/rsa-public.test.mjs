// The RSA public operation (tls/crypto/rsa_public.c) in wasm against Node's
// crypto and BigInt arithmetic: x^e mod n on random keys of 1024 to 4096
// bits (e = 3 and 65537, and moduli whose byte length is not a multiple of
// 4) for random x and x = 0, 1, n - 1; x >= n, wrong lengths and even
// moduli refused, as BearSSL's i31 public operation refuses them. Then the
// PKCS#1 v1.5 verifier on it against crypto.sign: the right hash comes
// back; wrong signatures, hash OIDs and hash lengths are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, publicEncrypt, sign } from 'node:crypto';
import { loadCryptoHarness } from './helpers/crypto-wasm.mjs';
import { prng, seededBytes } from './helpers/prng.mjs';

const { x, mem } = loadCryptoHarness({ simd: false });
const X = 0, N = 1024, E = 2048, OUT = 3072;
const KEYS = [[1024, 65537], [1024, 3], [2048, 65537], [2048, 3], [2056, 65537], [3072, 65537], [3072, 3], [4096, 65537], [4096, 3]];
const HASHES = [['sha256', 256, 32], ['sha384', 384, 48], ['sha512', 512, 64]];

const toBig = (buf) => BigInt(`0x${buf.toString('hex') || '0'}`);
const toBytes = (v, len) => Buffer.from(v.toString(16).padStart(2 * len, '0'), 'hex');

function modPow(base, e, n) {
  let r = 1n % n;
  for (base %= n; e > 0n; e >>= 1n, base = base * base % n) if (e & 1n) r = r * base % n;
  return r;
}

const keys = KEYS.map(([bits, e]) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e });
  const jwk = publicKey.export({ format: 'jwk' });
  return { bits, privateKey, publicKey, n: Buffer.from(jwk.n, 'base64url'), e: Buffer.from(jwk.e, 'base64url') };
});

/** x^e mod n through the harness (ours, or BearSSL's i31 when fast is 0): { ok, y }. */
function publicOp(xBytes, n, e, fast = 1) {
  const m = mem();
  m.set(xBytes, X); m.set(n, N); m.set(e, E);
  const ok = x.ht_rsa_public(fast, X, xBytes.length, N, n.length, E, e.length);
  return { ok, y: Buffer.from(mem().subarray(X, X + xBytes.length)) };
}

const nodePublic = (key, xBytes) => publicEncrypt({ key: key.publicKey, padding: constants.RSA_NO_PADDING }, xBytes);

test('the keys have the sizes and exponents asked for', () => {
  assert.deepEqual(keys.map((k) => [toBig(k.n).toString(2).length, Number(toBig(k.e))]), KEYS);
});

test('x^e mod n equals Node\'s RSA_NO_PADDING public operation for random x, 0, 1 and n - 1', () => {
  const rand = prng(2048);
  for (const [i, key] of keys.entries()) {
    const n = toBig(key.n), k = key.n.length;
    const cases = [0n, 1n, 2n, n - 1n];
    for (let j = 0; j < 6; j++) cases.push(toBig(seededBytes(`x/${i}/${j}`, k)) % n);
    cases.push(toBig(seededBytes(`x/${i}/short`, 1 + Math.floor(rand() * (k - 1)))));
    for (const v of cases) {
      const input = toBytes(v, k);
      const { ok, y } = publicOp(input, key.n, key.e);
      assert.equal(ok, 1, `${key.bits}-bit key, e = ${toBig(key.e)}`);
      assert.deepEqual(y, nodePublic(key, input), `${key.bits}-bit key, e = ${toBig(key.e)}, x = ${v.toString(16).slice(0, 16)}...`);
    }
  }
});

test('x >= n, a wrong length and an empty input are refused, as BearSSL refuses them', () => {
  for (const key of keys) {
    const n = toBig(key.n), k = key.n.length;
    for (const [label, input] of [['x = n', key.n], ['x = n + 1', toBytes(n + 1n, k)], ['x = 2^8k - 1', Buffer.alloc(k, 0xff)],
      ['one byte long', Buffer.concat([Buffer.alloc(1), toBytes(5n, k)])], ['one byte short', toBytes(5n, k - 1)], ['empty', Buffer.alloc(0)]]) {
      assert.equal(publicOp(input, key.n, key.e).ok, 0, `${key.bits}-bit key: ${label}`);
      assert.equal(publicOp(input, key.n, key.e, 0).ok, 0, `BearSSL, ${key.bits}-bit key: ${label}`);
    }
    // leading zero bytes of n are not part of its length
    const padded = Buffer.concat([Buffer.alloc(2), key.n]), input = toBytes(n - 2n, k);
    assert.deepEqual(publicOp(input, padded, key.e).y, nodePublic(key, input), `${key.bits}-bit key: n with leading zeros`);
  }
});

test('moduli from 1 byte to 4096 bits and odd exponents of any length match BigInt and BearSSL', () => {
  const rand = prng(65537);
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 127, 128, 255, 256, 257, 383, 384, 511, 512];
  for (const size of sizes) {
    for (let j = 0; j < 3; j++) {
      const nb = seededBytes(`n/${size}/${j}`, size);
      nb[0] |= j === 0 ? 0x80 : 0x01; nb[size - 1] |= 1; // top bit set, or not; always odd
      const n = toBig(nb);
      const eb = seededBytes(`e/${size}/${j}`, 1 + Math.floor(rand() * 8)); eb[eb.length - 1] |= 1;
      const input = toBytes(toBig(seededBytes(`xs/${size}/${j}`, size)) % n, size);
      const ours = publicOp(input, nb, eb), bearssl = publicOp(input, nb, eb, 0);
      assert.equal(ours.ok, 1, `${size}-byte modulus`);
      assert.deepEqual(ours.y, toBytes(modPow(toBig(input), toBig(eb), n), size), `${size}-byte modulus, ${eb.length}-byte e`);
      assert.deepEqual(ours, bearssl, `${size}-byte modulus: as BearSSL`);
    }
  }
  assert.deepEqual(publicOp(Buffer.from([0]), Buffer.from([1]), Buffer.from([3])), { ok: 1, y: Buffer.from([0]) }, 'n = 1');
  assert.deepEqual(publicOp(Buffer.from([0, 0, 1]), Buffer.from([0, 0, 1, 0x01]), Buffer.from([0, 0, 3])).ok, 0, 'wrong length beside leading zeros');
});

test('even or oversized moduli and even or empty exponents are refused', () => {
  const key = keys.find((k) => k.bits === 2048);
  const even = Buffer.from(key.n); even[even.length - 1] ^= 1;
  assert.equal(publicOp(toBytes(3n, even.length), even, key.e).ok, 0, 'even n');
  assert.equal(publicOp(toBytes(3n, even.length), even, key.e, 0).ok, 0, 'even n (BearSSL)');
  const big = Buffer.concat([Buffer.from([1]), Buffer.alloc(512, 0xff)]);
  assert.equal(publicOp(toBytes(3n, 513), big, key.e).ok, 0, '4104-bit n');
  assert.equal(publicOp(toBytes(3n, 513), big, key.e, 0).ok, 0, '4104-bit n (BearSSL)');
  // BearSSL computes even exponents; no RSA key has one, so ours refuses them
  for (const e of [Buffer.from([0x01, 0x00, 0x00]), Buffer.from([2]), Buffer.from([0]), Buffer.alloc(0)]) {
    assert.equal(publicOp(toBytes(3n, 256), key.n, e).ok, 0, `e = ${e.toString('hex') || 'empty'}`);
  }
});

/** rsa_pkcs1_vrfy through the harness: the hash recovered, or null when refused. */
function pkcs1(key, sig, oidBits, hashLen) {
  const m = mem();
  m.set(sig, X); m.set(key.n, N); m.set(key.e, E);
  const ok = x.ht_rsa_pkcs1_vrfy(X, sig.length, oidBits, hashLen, OUT, N, key.n.length, E, key.e.length);
  return ok ? Buffer.from(mem().subarray(OUT, OUT + hashLen)) : null;
}

for (const [hash, bits, hLen] of HASHES) {
  test(`PKCS#1 v1.5 with ${hash}: Node's signatures give back the hash; other OIDs, lengths and flipped bits are refused`, () => {
    const rand = prng(bits);
    for (const [i, key] of keys.entries()) {
      const message = seededBytes(`pkcs1/${hash}/${i}`, Math.floor(rand() * 300));
      const sig = sign(hash, message, key.privateKey);
      assert.deepEqual(pkcs1(key, sig, bits, hLen), createHash(hash).update(message).digest(), `${key.bits}-bit key`);
      for (const [other, otherBits, otherLen] of HASHES.filter(([h]) => h !== hash)) {
        assert.equal(pkcs1(key, sig, otherBits, otherLen), null, `taken for ${other}`);
        assert.equal(pkcs1(key, sig, otherBits, hLen), null, `${other}'s OID with ${hash}'s length`);
      }
      assert.equal(pkcs1(key, sig, bits, hLen - 1), null, 'hash length one short');
      assert.equal(pkcs1(key, sig, 0, hLen), null, 'no DigestInfo');
      for (let j = 0; j < 4; j++) {
        const bad = Buffer.from(sig), bit = Math.floor(rand() * bad.length * 8);
        bad[bit >> 3] ^= 1 << (bit & 7);
        assert.equal(pkcs1(key, bad, bits, hLen), null, `${key.bits}-bit key, signature bit ${bit}`);
      }
      assert.equal(pkcs1(key, sig.subarray(1), bits, hLen), null, 'one byte short');
      assert.equal(pkcs1(key, key.n, bits, hLen), null, 's = n');
    }
  });
}
