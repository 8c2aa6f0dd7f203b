// Where the time goes: cryptography inside the core vs Node's native crypto.
//
// The core has no benchmark-only exports (the production ABI stays as it is),
// so its crypto costs are derived from whole transfers on the same loopback
// server: the same download or connection done in plain HTTP and over TLS,
// alternately, with the difference charged to TLS. That difference also contains record
// framing and the extra bytes on the wire, so the derived rates are lower
// bounds for the core's raw AEAD speed (and upper bounds for its handshake
// crypto cost). Node's primitives are measured directly with node:crypto.
import crypto from 'node:crypto';
import { measure, paired, mbps, ratio, fmt, fmtRatio, section, MiB, KiB } from './harness.mjs';
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

export async function run({ quick, env }) {
  if (quick) return null;
  const { ports, ca, pki } = env;
  const ours = oursClient(ca);
  const bulkBytes = 16 * MiB;
  const plainGet = () => ours.fresh(ports.plain, '/bytes/16', 'http');
  const download = (port, scheme) => async () => {
    if ((await ours.fresh(port, `/bytes/${bulkBytes}`, scheme)) !== bulkBytes) throw new Error('short body');
  };

  // ours: each TLS operation alternates with the same operation in plain HTTP on the same server
  const handshakeMs = {};
  for (const kind of ['ecdsa', 'rsa']) {
    const tlsGet = () => ours.fresh(ports[kind], '/bytes/16');
    await plainGet();
    await tlsGet();
    const p = await paired(plainGet, tlsGet, 30);
    handshakeMs[kind] = { derived: p.b.medianMs > p.a.medianMs ? p.b.medianMs - p.a.medianMs : null, plainMs: p.a.medianMs, tlsMs: p.b.medianMs };
  }
  const aeadMBps = {};
  for (const cipher of ['aes128gcm', 'chacha20']) {
    const p = await paired(download(ports.plain, 'http'), download(ports[cipher], 'https'), 3);
    const extraMs = p.b.minMs - p.a.minMs;
    aeadMBps[cipher] = { derived: extraMs > 0 ? mbps(bulkBytes, extraMs) : null, plainMBps: mbps(bulkBytes, p.a.minMs), tlsMBps: mbps(bulkBytes, p.b.minMs) };
  }

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

  const aes = aeadMBps.aes128gcm.derived;
  const chacha = aeadMBps.chacha20.derived;
  const hsEc = handshakeMs.ecdsa.derived;
  const hsRsa = handshakeMs.rsa.derived;

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
    note: 'The core is measured without benchmark-only exports (the production ABI stays as it is): its AEAD rate is derived from a ' +
      `${bulkBytes / MiB} MiB download over TLS minus the same download in plain HTTP from the same server (fastest of 3 alternating runs each), ` +
      'and its handshake crypto cost from a new TLS connection with a 16-byte GET minus a new plain connection with the same GET (medians of 30 alternating runs). ' +
      'The derived figures include record framing and handshake hashing/X.509 parsing, so they are pessimistic for the core. ' +
      'Node figures are node:crypto (OpenSSL) primitives on 16 KiB records and on the bench\'s own keys; its per-handshake estimate sums the primitives a client does in that handshake. ' +
      'Ratio: ours/Node (for ms rows: Node time / our time, so higher is better for us in every row).',
    figures: {
      ours: { aead: aeadMBps, handshakeMs },
      node: { aes128gcmMBps: nativeMBps('aes-128-gcm'), chacha20MBps: nativeMBps('chacha20-poly1305'), perHandshakeMs: perHandshake, primitives: native },
    },
    tables: [{ title: 'Crypto: core (derived) vs Node native', head: ['operation', 'unit', 'microhttps core', 'Node crypto', 'ours/Node'], rows }],
    charts: [{ id: 'crypto-aead', kind: 'bars', title: 'AEAD decryption (MB/s, higher is better; core derived from transfers)', unit: 'MB/s', groups: [
      { label: 'AES-128-GCM', bars: [{ label: 'microhttps core', value: aes ?? 0 }, { label: 'Node crypto', value: nativeMBps('aes-128-gcm') }] },
      { label: 'ChaCha20-Poly1305', bars: [{ label: 'microhttps core', value: chacha ?? 0 }, { label: 'Node crypto', value: nativeMBps('chacha20-poly1305') }] },
    ] }],
  });
}
