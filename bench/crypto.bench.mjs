// Where the time goes: cryptography inside the core vs Node's native crypto.
//
// The core has no benchmark-only exports (the production ABI stays as it is),
// so its crypto costs are derived from whole transfers on the same loopback
// server: the same download or connection done in plain HTTP and over TLS,
// with the difference charged to TLS. That difference also contains record
// framing and the extra bytes on the wire, so the derived rates are lower
// bounds for the core's raw AEAD speed (and upper bounds for its handshake
// crypto cost). Node's primitives are measured directly with node:crypto.
import crypto from 'node:crypto';
import { measure, mbps, ratio, fmt, fmtRatio, section, MiB, KiB } from './harness.mjs';
import { oursClient } from './clients.mjs';

const RECORD = 16 * KiB;
const RECORDS_PER_OP = 64; // 1 MiB per AEAD operation batch

function nativeAead(algorithm, keyBytes) {
  const key = crypto.randomBytes(keyBytes);
  const iv = crypto.randomBytes(12);
  const plain = crypto.randomBytes(RECORD);
  const c = crypto.createCipheriv(algorithm, key, iv, { authTagLength: 16 });
  const sealed = Buffer.concat([c.update(plain), c.final()]);
  const tag = c.getAuthTag();
  return () => {
    for (let i = 0; i < RECORDS_PER_OP; i++) {
      const d = crypto.createDecipheriv(algorithm, key, iv, { authTagLength: 16 });
      d.setAuthTag(tag);
      d.update(sealed);
      d.final();
    }
  };
}

export async function run({ quick, env, previous }) {
  if (quick) return null;
  const https = previous.https?.figures;
  if (!https) throw new Error('the crypto workload derives from the https workload: run it first');
  const { ports, ca, pki } = env;
  const ours = oursClient(ca);
  const bulkBytes = 64 * MiB;

  // ours, plain HTTP on the same server: the baseline to subtract
  if ((await ours.fresh(ports.plain, '/bytes/16', 'http')) !== 16) throw new Error('plain GET failed');
  const plain = await measure({
    connect: () => ours.fresh(ports.plain, '/bytes/16', 'http'),
  }, { time: 2500, iterations: 20, async: true });
  const plainBulk = await measure({
    bulk: async () => { if ((await ours.fresh(ports.plain, `/bytes/${bulkBytes}`, 'http')) !== bulkBytes) throw new Error('short plain body'); },
  }, { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1, async: true });
  const plainMBps = mbps(bulkBytes, plainBulk.bulk.meanMs);
  const plainConnMs = plain.connect.meanMs;

  // Node's primitives
  const data = crypto.randomBytes(200); // about a ServerKeyExchange's signed params
  const ecKey = crypto.createPrivateKey(pki.ecdsa.keyPem);
  const rsaKey = crypto.createPrivateKey(pki.rsa.keyPem);
  const ecSig = crypto.sign('sha256', data, ecKey);
  const rsaSig = crypto.sign('sha256', data, rsaKey);
  const ecPub = crypto.createPublicKey(ecKey);
  const rsaPub = crypto.createPublicKey(rsaKey);
  const peer = crypto.createECDH('prime256v1');
  peer.generateKeys();
  const peerPub = peer.getPublicKey();
  const native = await measure({
    'aes-128-gcm': nativeAead('aes-128-gcm', 16),
    'chacha20-poly1305': nativeAead('chacha20-poly1305', 32),
    'ecdhe-p256': () => { const e = crypto.createECDH('prime256v1'); e.generateKeys(); e.computeSecret(peerPub); },
    'ecdsa-p256-verify': () => { if (!crypto.verify('sha256', data, ecPub, ecSig)) throw new Error('verify'); },
    'rsa-2048-verify': () => { if (!crypto.verify('sha256', data, rsaPub, rsaSig)) throw new Error('verify'); },
  }, { time: 1000, iterations: 20 });
  const nativeMBps = (name) => mbps(RECORD * RECORDS_PER_OP, native[name].meanMs);
  const perHandshake = {
    ecdsa: native['ecdhe-p256'].meanMs + 2 * native['ecdsa-p256-verify'].meanMs,
    rsa: native['ecdhe-p256'].meanMs + native['ecdsa-p256-verify'].meanMs + native['rsa-2048-verify'].meanMs,
  };

  // ours, derived: time per byte (or per connection) over TLS minus the same in plain HTTP
  const derivedAead = (tlsMBps) => {
    const extraSecPerMiB = 1 / tlsMBps - 1 / plainMBps;
    return extraSecPerMiB > 0 ? 1 / extraSecPerMiB : null;
  };
  const derivedHandshakeMs = (connPerSec) => 1000 / connPerSec - plainConnMs;
  const aes = derivedAead(https.bulk_aes128gcm.ours);
  const chacha = derivedAead(https.bulk_chacha20.ours);
  const hsEc = derivedHandshakeMs(https.handshake_ecdsa.ours);
  const hsRsa = derivedHandshakeMs(https.handshake_rsa.ours);

  const rows = [
    ['AES-128-GCM decrypt', 'MB/s', fmt(aes), fmt(nativeMBps('aes-128-gcm')), fmtRatio(ratio(aes, nativeMBps('aes-128-gcm')))],
    ['ChaCha20-Poly1305 decrypt', 'MB/s', fmt(chacha), fmt(nativeMBps('chacha20-poly1305')), fmtRatio(ratio(chacha, nativeMBps('chacha20-poly1305')))],
    ['handshake crypto, ECDHE-ECDSA P-256 (ECDHE + 2 ECDSA verifications)', 'ms', fmt(hsEc, 2), fmt(perHandshake.ecdsa, 2), fmtRatio(ratio(perHandshake.ecdsa, hsEc))],
    ['handshake crypto, ECDHE-RSA 2048 (ECDHE + ECDSA + RSA verification)', 'ms', fmt(hsRsa, 2), fmt(perHandshake.rsa, 2), fmtRatio(ratio(perHandshake.rsa, hsRsa))],
    ['ECDHE P-256 (keygen + shared secret)', 'ops/s', 'in handshake row', fmt(native['ecdhe-p256'].opsPerSec), '—'],
    ['ECDSA P-256 verification', 'ops/s', 'in handshake row', fmt(native['ecdsa-p256-verify'].opsPerSec), '—'],
    ['RSA-2048 verification (PKCS#1 v1.5)', 'ops/s', 'in handshake row', fmt(native['rsa-2048-verify'].opsPerSec), '—'],
  ];
  return section('Crypto: inside the core vs Node native', {
    note: 'The core is measured without benchmark-only exports: its AEAD rate is derived from the 64 MiB downloads of the HTTPS section minus the same download in plain HTTP ' +
      `(${fmt(plainMBps)} MB/s here), and its handshake crypto cost from a full-handshake connection minus a plain connection with the same GET (${fmt(plainConnMs, 2)} ms here). ` +
      'The derived figures include record framing and handshake hashing/X.509 parsing, so they are pessimistic for the core. ' +
      'Node figures are node:crypto (OpenSSL) primitives on 16 KiB records and on the bench\'s own keys; its per-handshake estimate sums the primitives a client does in that handshake. ' +
      'Ratio: ours/Node (for ms rows: Node time / our time, so higher is better for us in every row).',
    figures: {
      plain: { bulkMBps: plainMBps, connectMs: plainConnMs },
      ours: { aes128gcmMBps: aes, chacha20MBps: chacha, handshakeMs: { ecdsa: hsEc, rsa: hsRsa } },
      node: { aes128gcmMBps: nativeMBps('aes-128-gcm'), chacha20MBps: nativeMBps('chacha20-poly1305'), perHandshakeMs: perHandshake, primitives: native },
    },
    tables: [{ title: 'Crypto: core (derived) vs Node native', head: ['operation', 'unit', 'microhttps core', 'Node crypto', 'ours/Node'], rows }],
    charts: [{ kind: 'bars', title: 'AEAD decryption (MB/s, higher is better; core derived from transfers)', unit: 'MB/s', groups: [
      { label: 'AES-128-GCM', bars: [{ label: 'microhttps core', value: aes ?? 0 }, { label: 'Node crypto', value: nativeMBps('aes-128-gcm') }] },
      { label: 'ChaCha20-Poly1305', bars: [{ label: 'microhttps core', value: chacha ?? 0 }, { label: 'Node crypto', value: nativeMBps('chacha20-poly1305') }] },
    ] }],
  });
}
