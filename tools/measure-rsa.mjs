// Quick local measurement (not a test, not the bench): microseconds per
// RSA public operation (the whole cost of a verification but its padding
// check) through build/crypto-test.wasm, ours (tls/crypto/rsa_public.c)
// against BearSSL's br_rsa_i31_public, alternating, best of many short
// rounds (the machine is shared: the minimum is the figure least disturbed
// by other work), with Node's RSA_NO_PADDING public operation beside them.
//
//   node tools/measure-rsa.mjs [rounds=40] [bits=2048]
import { constants, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { loadCryptoHarness } from '../test/helpers/crypto-wasm.mjs';

const rounds = Number(process.argv[2] ?? 40), bits = Number(process.argv[3] ?? 2048);
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
const jwk = publicKey.export({ format: 'jwk' });
const n = Buffer.from(jwk.n, 'base64url'), e = Buffer.from(jwk.e, 'base64url');
const input = Buffer.from(n);
input[0] >>= 1; // below n
const X = 0, N = 1024, E = 2048, PER_ROUND = 20;

const timed = (fn) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e3 / PER_ROUND;
};
const node = () => publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, input);

for (const simd of [true, false]) {
  const { x, mem } = loadCryptoHarness({ simd });
  mem().set(n, N); mem().set(e, E);
  const once = (ours) => {
    mem().set(input, X);
    if (x.ht_rsa_public(ours, X, n.length, N, n.length, E, e.length) !== 1) throw new Error('refused');
  };
  for (let i = 0; i < 100; i++) once(i & 1); // warm-up: let V8 tier both up to optimised code
  const best = [Infinity, Infinity, Infinity];
  for (let round = 0; round < rounds; round++) {
    for (const ours of [1, 0]) best[ours] = Math.min(best[ours], timed(() => once(ours)));
    best[2] = Math.min(best[2], timed(node));
  }
  console.log(`${simd ? 'simd' : 'scalar'} harness, RSA-${bits}, e = 65537: ours ${best[1].toFixed(1)} us, ` +
    `BearSSL i31 ${best[0].toFixed(1)} us (${(best[0] / best[1]).toFixed(2)}x), Node ${best[2].toFixed(1)} us`);
}
