// ECDSA verification by tls/crypto/p256_verify.c against Node's signatures
// and against BearSSL's br_ecdsa_i31_vrfy_asn1 (the verifier it replaces),
// on seeded random keys and messages, in the SIMD and scalar builds: every
// valid signature verifies, every damaged or malformed input is refused,
// and both verifiers agree on every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createHash, createPrivateKey, sign } from 'node:crypto';
import { loadCryptoHarness } from './helpers/crypto-wasm.mjs';
import { seededBytes } from './helpers/prng.mjs';

const P256 = 23, P384 = 24; // BR_EC_secp256r1, BR_EC_secp384r1
const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const toBytes = (v, len) => Buffer.from(v.toString(16).padStart(2 * len, '0'), 'hex');
const toBig = (b) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const b64u = (b) => Buffer.from(b).toString('base64url');

/** A key pair from a private scalar: the raw public point and a Node key for signing. */
function keyPair(curve, d) {
  const ecdh = createECDH(curve === P256 ? 'prime256v1' : 'secp384r1');
  const size = curve === P256 ? 32 : 48;
  ecdh.setPrivateKey(toBytes(d, size));
  const pub = ecdh.getPublicKey();
  const key = createPrivateKey({
    key: { kty: 'EC', crv: curve === P256 ? 'P-256' : 'P-384', d: b64u(toBytes(d, size)), x: b64u(pub.subarray(1, 1 + size)), y: b64u(pub.subarray(1 + size)) },
    format: 'jwk',
  });
  return { pub, key };
}

function seededKey(curve, seed) {
  const order = curve === P256 ? N : 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
  return keyPair(curve, toBig(seededBytes(seed, curve === P256 ? 32 : 48)) % (order - 1n) + 1n);
}

/** A DER ECDSA-Sig-Value from integers, minimal as Node writes it. */
function derSignature(r, s) {
  const int = (v) => {
    let b = Buffer.from(v.toString(16).padStart(2 * Math.ceil(v.toString(16).length / 2), '0'), 'hex');
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** r and s of a DER signature Node made (short-form lengths). */
function parseSignature(der) {
  const rLen = der[3];
  return { r: toBig(der.subarray(4, 4 + rLen)), s: toBig(der.subarray(6 + rLen)) };
}

const HASH = 0, KEY = 256, SIG = 512;

for (const simd of [true, false]) {
  const flavour = simd ? 'wasm SIMD' : 'scalar';
  const { x, mem } = loadCryptoHarness({ simd });

  /** Both verifiers' answers; they must agree. */
  function verify(hash, pub, sig, curve = P256) {
    const m = mem();
    m.set(hash, HASH); m.set(pub, KEY); m.set(sig, SIG);
    const ours = x.ht_ecdsa_verify(1, curve, HASH, hash.length, KEY, pub.length, SIG, sig.length);
    const bearssl = x.ht_ecdsa_verify(0, curve, HASH, hash.length, KEY, pub.length, SIG, sig.length);
    assert.equal(ours, bearssl, `ours ${ours}, BearSSL ${bearssl}: hash ${Buffer.from(hash).toString('hex')} key ${Buffer.from(pub).toString('hex')} sig ${Buffer.from(sig).toString('hex')}`);
    return ours;
  }

  function signed(curve, seed, alg) {
    const { pub, key } = seededKey(curve, `key/${seed}`);
    const msg = seededBytes(`msg/${seed}`, 1 + (seed.length * 7) % 90);
    return { pub, hash: createHash(alg).update(msg).digest(), sig: sign(alg, msg, { key, dsaEncoding: 'der' }) };
  }

  test(`${flavour} P-256: Node's signatures verify (SHA-256, SHA-384, SHA-512, SHA-1 hashes)`, () => {
    let n = 0;
    for (const [alg, count] of [['sha256', 240], ['sha384', 80], ['sha512', 20], ['sha1', 10]]) {
      for (let i = 0; i < count; i++, n++) {
        const { pub, hash, sig } = signed(P256, `${alg}/${i}`, alg);
        assert.equal(verify(hash, pub, sig), 1, `${alg} case ${i}`);
      }
    }
    assert.equal(n, 350);
  });

  test(`${flavour} P-256: keys 1, 2, n-1 and n-2 (tables of G and Q that coincide or cancel)`, () => {
    for (const d of [1n, 2n, N - 1n, N - 2n]) {
      const { pub, key } = keyPair(P256, d);
      for (let i = 0; i < 25; i++) {
        const msg = seededBytes(`small/${d}/${i}`, 20);
        const sig = sign('sha256', msg, { key, dsaEncoding: 'der' });
        const hash = createHash('sha256').update(msg).digest();
        assert.equal(verify(hash, pub, sig), 1, `d=${d} case ${i}`);
        hash[0] ^= 0x80;
        assert.equal(verify(hash, pub, sig), 0, `d=${d} case ${i}, damaged hash`);
      }
    }
  });

  test(`${flavour} P-256: a damaged r, s, hash or key is refused`, () => {
    for (let i = 0; i < 60; i++) {
      const { pub, hash, sig } = signed(P256, `damage/${i}`, i % 4 ? 'sha256' : 'sha384');
      const { r, s } = parseSignature(sig);
      const bit = (v) => 1n << BigInt((i * 37) % 250);
      assert.equal(verify(hash, pub, derSignature(r ^ bit(r), s)), 0, `r, case ${i}`);
      assert.equal(verify(hash, pub, derSignature(r, s ^ bit(s))), 0, `s, case ${i}`);
      const h = Buffer.from(hash); h[i % 32] ^= 1 << (i % 8); // within the leftmost 256 bits
      assert.equal(verify(h, pub, sig), 0, `hash, case ${i}`);
      const q = Buffer.from(pub); q[1 + (i % 64)] ^= 1 << (i % 8); // off the curve
      assert.equal(verify(hash, q, sig), 0, `key, case ${i}`);
      assert.equal(verify(hash, seededKey(P256, `other/${i}`).pub, sig), 0, `other key, case ${i}`);
      // (r, n - s) is a valid signature too (the mirror point has the same x)
      assert.equal(verify(hash, pub, derSignature(r, N - s)), 1, `(r, n - s), case ${i}`);
      // the same hash signed again verifies; truncation to 256 bits keeps only the leftmost bits
      if (hash.length > 32) assert.equal(verify(Buffer.concat([hash.subarray(0, 32), Buffer.alloc(16, 0xee)]), pub, sig), 1, `hash tail, case ${i}`);
    }
  });

  test(`${flavour} P-256: r or s out of [1, n-1] is refused`, () => {
    const { pub, hash, sig } = signed(P256, 'range', 'sha256');
    const { r, s } = parseSignature(sig);
    for (const bad of [0n, N, N + 1n, N + r, 2n ** 256n - 1n, P, 2n ** 264n + r]) {
      assert.equal(verify(hash, pub, derSignature(bad, s)), 0, `r = ${bad}`);
      assert.equal(verify(hash, pub, derSignature(r, bad)), 0, `s = ${bad}`);
    }
    assert.equal(verify(hash, pub, derSignature(r, s)), 1);
  });

  test(`${flavour} P-256: public keys off the curve or badly encoded are refused`, () => {
    const { pub, hash, sig } = signed(P256, 'keys', 'sha256');
    const X = toBig(pub.subarray(1, 33)), Y = toBig(pub.subarray(33));
    const point = (x, y, prefix = 4) => Buffer.concat([Buffer.from([prefix]), toBytes(x, 32), toBytes(y, 32)]);
    const cases = {
      'y + 1': point(X, (Y + 1n) % P),
      'y + p (not reduced)': Y + P < 2n ** 256n ? point(X, Y + P) : point(X, Y ^ 1n),
      'x = p': point(P, Y),
      'x = 0, y = 0': point(0n, 0n),
      'x, -y (a valid point, another key)': point(X, P - Y),
      'hybrid prefix 6': point(X, Y, 6), 'hybrid prefix 7': point(X, Y, 7), 'prefix 0': point(X, Y, 0),
      compressed: Buffer.concat([Buffer.from([2 + Number(Y & 1n)]), toBytes(X, 32)]),
      'one byte 0 (infinity)': Buffer.from([0]),
      '64 bytes': pub.subarray(1), '66 bytes': Buffer.concat([pub, Buffer.from([0])]), empty: Buffer.alloc(0),
    };
    for (const [name, key] of Object.entries(cases)) assert.equal(verify(hash, key, sig), 0, name);
    assert.equal(verify(hash, pub, sig), 1);
  });

  test(`${flavour} P-256: malformed DER and odd lengths give the same answer as BearSSL`, () => {
    const { pub, hash, sig } = signed(P256, 'der', 'sha256');
    const { r, s } = parseSignature(sig);
    const body = sig.subarray(2);
    const cases = {
      empty: Buffer.alloc(0), 'truncated by 1': sig.subarray(0, -1), 'one extra byte': Buffer.concat([sig, Buffer.from([0])]),
      'SET tag': Buffer.concat([Buffer.from([0x31]), sig.subarray(1)]), 'sequence length + 1': Buffer.concat([Buffer.from([0x30, sig[1] + 1]), body]),
      'r tag 3': Buffer.concat([sig.subarray(0, 2), Buffer.from([3]), sig.subarray(3)]), 'r length 0x80': Buffer.concat([sig.subarray(0, 3), Buffer.from([0x80]), sig.subarray(4)]),
      'r only': derSignature(r, s).subarray(0, 4 + sig[3]),
      'long-form length 0x81': Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]),
      'long-form length 0x82': Buffer.concat([Buffer.from([0x30, 0x82, 0, body.length]), body]),
      'r and s swapped': derSignature(s, r), 'raw r || s': Buffer.concat([toBytes(r, 32), toBytes(s, 32)]),
    };
    // leading zero bytes in the integers (lenient, as BearSSL), up to and past its 144-byte limit
    for (const zeros of [1, 5, 40, 70]) {
      const int = (v) => { const b = Buffer.concat([Buffer.alloc(zeros), toBytes(v, 33)]); return Buffer.concat([Buffer.from([2, b.length]), b]); };
      const inner = Buffer.concat([int(r), int(s)]);
      cases[`${zeros} zero bytes of padding`] = Buffer.concat([Buffer.from(inner.length < 128 ? [0x30, inner.length] : [0x30, 0x81, inner.length]), inner]);
    }
    for (let len = 0; len <= sig.length; len += 3) cases[`first ${len} bytes`] = sig.subarray(0, len);
    const results = Object.fromEntries(Object.entries(cases).map(([name, bytes]) => [name, verify(hash, pub, bytes)]));
    for (const name of ['empty', 'truncated by 1', 'one extra byte', 'SET tag', 'r tag 3', 'r only', 'r and s swapped', 'raw r || s', 'long-form length 0x82']) {
      assert.equal(results[name], 0, name);
    }
    assert.equal(results['long-form length 0x81'], 1, 'BearSSL reads a non-minimal 0x81 length');
    assert.equal(results['5 zero bytes of padding'], 1, 'leading zeros are read as BearSSL reads them');
    assert.equal(results['70 zero bytes of padding'], 0, 'past 144 bytes');
    assert.equal(verify(hash, pub, sig), 1);
  });

  test(`${flavour} P-384 goes to BearSSL's verifier`, () => {
    for (let i = 0; i < 12; i++) {
      const { pub, hash, sig } = signed(P384, `p384/${i}`, i % 2 ? 'sha384' : 'sha256');
      assert.equal(verify(hash, pub, sig, P384), 1, `case ${i}`);
      hash[1] ^= 4;
      assert.equal(verify(hash, pub, sig, P384), 0, `case ${i}, damaged hash`);
    }
  });
}
