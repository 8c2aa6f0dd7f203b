// Quick local measurement (not a test, not the bench): microseconds per
// ECDSA P-256 verification through build/crypto-test.wasm, ours
// (tls/crypto/p256_verify.c) against BearSSL's br_ecdsa_i31_vrfy_asn1 with
// br_ec_p256_m31, alternating, best of many short rounds (the machine is
// shared: the minimum is the figure least disturbed by other work).
//
//   node tools/measure-ecdsa.mjs [rounds=40]
import { createECDH, createHash, createPrivateKey, sign } from 'node:crypto';
import { loadCryptoHarness } from '../test/helpers/crypto-wasm.mjs';

const rounds = Number(process.argv[2] ?? 40);
const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const pub = ecdh.getPublicKey();
const b64u = (b) => Buffer.from(b).toString('base64url');
const key = createPrivateKey({ key: { kty: 'EC', crv: 'P-256', d: b64u(ecdh.getPrivateKey()), x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33)) }, format: 'jwk' });
const msg = Buffer.from('measure');
const sig = sign('sha256', msg, { key, dsaEncoding: 'der' });
const hash = createHash('sha256').update(msg).digest();

for (const simd of [true, false]) {
  const { x, mem } = loadCryptoHarness({ simd });
  mem().set(hash, 0); mem().set(pub, 256); mem().set(sig, 512);
  const once = (ours) => {
    if (x.ht_ecdsa_verify(ours, 23, 0, 32, 256, 65, 512, sig.length) !== 1) throw new Error('signature refused');
  };
  for (let i = 0; i < 100; i++) once(i & 1); // warm-up: let V8 tier both up to optimised code
  const best = [Infinity, Infinity];
  for (let round = 0; round < rounds; round++) {
    for (const ours of [1, 0]) {
      const t0 = performance.now();
      for (let i = 0; i < 15; i++) once(ours);
      best[ours] = Math.min(best[ours], (performance.now() - t0) * 1000 / 15);
    }
  }
  console.log(`${simd ? 'SIMD build  ' : 'scalar build'}: ours ${best[1].toFixed(0)} us, BearSSL ${best[0].toFixed(0)} us per verification (${(best[0] / best[1]).toFixed(2)}x)`);
}
