// Node TLS 1.3 servers for the TLS 1.3 engine's tests: one per cipher suite,
// key-exchange group and leaf key type, built on servers.mjs (loopback,
// ephemeral port, sockets destroyed on close). Node's server accepts only
// the suite in `ciphers` and the group in `ecdhCurve` (a client whose first
// key share is another group gets a HelloRetryRequest), and signs
// CertificateVerify with `sigalgs` (rsa_pss_rsae_sha256/384/512 for RSA leaves).
import { startHttpsServer, startTlsRawServer } from './servers.mjs';

export const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'];
// Node's names (ecdhCurve); X25519 is the client's first share, the others cost a HelloRetryRequest
export const TLS13_GROUPS = ['X25519', 'P-256', 'P-384'];
// devkit/pki.mjs key types of the leaves the engine must verify in CertificateVerify
export const TLS13_LEAF_KEYS = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'];
// the CertificateVerify algorithm each key type signs with by default, and the RSA-PSS ones to force with `sigalg`
export const TLS13_SIGALGS = {
  'ec-p256': 'ecdsa_secp256r1_sha256',
  'ec-p384': 'ecdsa_secp384r1_sha384',
  rsa: ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'],
};

const leafCache = new WeakMap();

/**
 * One leaf per key type for pki (a devkit/pki.mjs Pki), made once per pki:
 * RSA-4096 key generation takes seconds, so tests share them.
 */
export function tls13Leaves(pki, keys = TLS13_LEAF_KEYS) {
  if (!leafCache.has(pki)) leafCache.set(pki, {});
  const cache = leafCache.get(pki);
  for (const key of keys) cache[key] ??= pki.issueLeaf({ key });
  return Object.fromEntries(keys.map((key) => [key, cache[key]]));
}

/** TLS-1.3-only server options: one suite, one group and (optionally) one signature algorithm. */
export function tls13Options({ suite = TLS13_SUITES[0], group = 'X25519', sigalg } = {}) {
  return {
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ciphers: suite,
    ecdhCurve: group,
    ...(sigalg ? { sigalgs: sigalg } : {}),
  };
}

/** An https server (handler defaults to servers.mjs's echoHandler) speaking only TLS 1.3 with the given suite, group and sigalg. */
export function startTls13HttpsServer({ leaf, suite, group, sigalg, handler, tlsOptions = {} }) {
  return startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem ?? leaf.certPem, ...(handler ? { handler } : {}),
    tlsOptions: { ...tls13Options({ suite, group, sigalg }), ...tlsOptions },
  });
}

/** A TLS 1.3 server handing each secure socket to onSecureConnection (hand-written bytes over TLS). */
export function startTls13RawServer({ leaf, suite, group, sigalg, onSecureConnection, tlsOptions = {} }) {
  return startTlsRawServer({
    key: leaf.keyPem, cert: leaf.chainPem ?? leaf.certPem, onSecureConnection,
    tlsOptions: { ...tls13Options({ suite, group, sigalg }), ...tlsOptions },
  });
}

/** Every suite x group x leaf key combination (45 with the defaults), for a test matrix. */
export function tls13Matrix({ suites = TLS13_SUITES, groups = TLS13_GROUPS, keys = TLS13_LEAF_KEYS } = {}) {
  return suites.flatMap((suite) => groups.flatMap((group) => keys.map((key) => ({ suite, group, key }))));
}
