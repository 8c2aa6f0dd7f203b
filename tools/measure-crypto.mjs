// Quick local measurement (not a test, not the bench): MB/s of the AES-GCM
// pieces inside wasm (build/crypto-test.wasm, test/crypto/harness.c), ours
// ("fast", what fast_crypto_install gives the full profile) against BearSSL's
// portable 64-bit code, on 16 KiB records as TLS uses them, next to Node.
//
//   node tools/measure-crypto.mjs [ms per figure = 500]
import { createCipheriv } from 'node:crypto';
import { loadCryptoHarness } from '../test/helpers/crypto-wasm.mjs';

const ms = Number(process.argv[2] ?? 500);
const LEN = 16384, KEY = 0, IV = 64, TAG = 96, Y = 112, H = 128, DATA = 256;
const { x } = loadCryptoHarness({ simd: true });

/** MB/s of fn(), which processes LEN bytes: the best of five windows of ms / 5 (the machine is shared). */
function rate(fn) {
  for (let i = 0; i < 3; i++) fn();
  let best = 0;
  for (let w = 0; w < 5; w++) {
    let n = 0;
    const t0 = process.hrtime.bigint(), end = t0 + BigInt(Math.round(ms / 5)) * 1000000n;
    let t = t0;
    while (t < end) { for (let i = 0; i < 4; i++) fn(); n += 4; t = process.hrtime.bigint(); }
    best = Math.max(best, (n * LEN) / 2 ** 20 / (Number(t - t0) / 1e9));
  }
  return best;
}

const rows = [];
for (const [name, fast] of [['BearSSL ct64 / ctmul64', 0], ['ours (full profile)', 1]]) {
  rows.push([name,
    rate(() => x.ht_aes_ctr(fast, KEY, 16, IV, 2, DATA, LEN)),
    rate(() => x.ht_ghash(fast, Y, H, DATA, LEN)),
    rate(() => x.ht_aes_gcm(fast, KEY, 16, IV, TAG, 13, DATA, LEN, TAG, 0))]);
}
const key = Buffer.alloc(16, 7), iv = Buffer.alloc(12, 9), data = Buffer.alloc(LEN, 1);
const nodeGcm = rate(() => { const c = createCipheriv('aes-128-gcm', key, iv); c.setAAD(data.subarray(0, 13)); c.update(data); c.final(); });
const nodeCtr = rate(() => createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(data));
console.log('MB/s, 16 KiB records     AES-128-CTR   GHASH   AES-128-GCM');
for (const [name, ctr, gh, gcm] of rows) console.log(`${name.padEnd(24)} ${ctr.toFixed(0).padStart(11)} ${gh.toFixed(0).padStart(7)} ${gcm.toFixed(0).padStart(13)}`);
console.log(`${'Node (OpenSSL)'.padEnd(24)} ${nodeCtr.toFixed(0).padStart(11)} ${'-'.padStart(7)} ${nodeGcm.toFixed(0).padStart(13)}`);
