// What the handshake established, read from the core for people: the TLS
// version and suite by name and the server's chain (res.tls, the CLI's -v).
// Failure messages live in tlsErrors.ts.
import { PeerField } from './generated/spec.js';
import { nameText, certTime, sanList } from './certText.js';

const TLS_VERSIONS: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/** Our suites, and the legacy ones a server may choose, by OpenSSL name. */
const SUITES: Record<number, string> = {
  // TLS 1.3 suites by their IANA names (as Node reports them)
  0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384', 0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0xcca9: 'ECDHE-ECDSA-CHACHA20-POLY1305', 0xcca8: 'ECDHE-RSA-CHACHA20-POLY1305',
  0xc02b: 'ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02f: 'ECDHE-RSA-AES128-GCM-SHA256',
  0xc02c: 'ECDHE-ECDSA-AES256-GCM-SHA384', 0xc030: 'ECDHE-RSA-AES256-GCM-SHA384',
  0x0033: 'DHE-RSA-AES128-SHA', 0x0039: 'DHE-RSA-AES256-SHA', 0x009e: 'DHE-RSA-AES128-GCM-SHA256',
  0x009f: 'DHE-RSA-AES256-GCM-SHA384', 0xccaa: 'DHE-RSA-CHACHA20-POLY1305', 0x0067: 'DHE-RSA-AES128-SHA256',
  0x006b: 'DHE-RSA-AES256-SHA256', 0x002f: 'AES128-SHA', 0x0035: 'AES256-SHA', 0x009c: 'AES128-GCM-SHA256',
  0x009d: 'AES256-GCM-SHA384', 0x003c: 'AES128-SHA256', 0x003d: 'AES256-SHA256', 0x000a: 'DES-CBC3-SHA',
  0x0005: 'RC4-SHA', 0x0004: 'RC4-MD5', 0xc009: 'ECDHE-ECDSA-AES128-SHA', 0xc00a: 'ECDHE-ECDSA-AES256-SHA',
  0xc013: 'ECDHE-RSA-AES128-SHA', 0xc014: 'ECDHE-RSA-AES256-SHA', 0xc023: 'ECDHE-ECDSA-AES128-SHA256',
  0xc027: 'ECDHE-RSA-AES128-SHA256',
};

export const versionName = (v: number): string => TLS_VERSIONS[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
export const suiteName = (s: number): string => SUITES[s] ?? `0x${s.toString(16).padStart(4, '0')}`;

/** The core's view of one certificate of the server's chain. */
export interface PeerCertificate {
  subject: string;
  issuer: string;
  validFrom: Date | undefined;
  validTo: Date | undefined;
  /** dNSName and iPAddress SANs, as "DNS:name" and "IP:address" */
  subjectAltNames: string[];
  /** sha256 of the SubjectPublicKeyInfo, in the `pin` form "sha256/<base64>" */
  spkiSha256: string;
}

export interface PeerExports {
  memory: WebAssembly.Memory;
  mh_peer_count(): number;
  mh_peer_field_ptr(i: number, field: number): number;
  mh_peer_field_len(i: number, field: number): number;
}

/** The summary the core kept of the server's chain (leaf first, bounded). */
export function peerCertificates(x: PeerExports): PeerCertificate[] {
  const field = (i: number, f: number) => new Uint8Array(x.memory.buffer, x.mh_peer_field_ptr(i, f), x.mh_peer_field_len(i, f)).slice();
  const out: PeerCertificate[] = [];
  for (let i = 0, n = x.mh_peer_count(); i < n; i++) {
    const spki = field(i, PeerField.SPKI_SHA256);
    out.push({
      subject: nameText(field(i, PeerField.SUBJECT)),
      issuer: nameText(field(i, PeerField.ISSUER)),
      validFrom: certTime(field(i, PeerField.NOT_BEFORE)),
      validTo: certTime(field(i, PeerField.NOT_AFTER)),
      subjectAltNames: sanList(field(i, PeerField.SANS)),
      spkiSha256: spki.length ? `sha256/${Buffer.from(spki).toString('base64')}` : '',
    });
  }
  return out;
}

/** What the handshake established (response.tls). */
export interface TlsFacts {
  version: string;
  cipher: string;
  /** present and true only when validation was skipped on request */
  insecure?: true;
  /** the server's chain as sent, leaf first (at most PeerLimit.MAX_CERTS certificates) */
  peerCertificates: PeerCertificate[];
  /** the leaf's SPKI sha256 as a ready-made pin: "sha256/<base64>" */
  leafSpkiSha256: string;
  /** whether the handshake resumed a session (no certificates were sent then) */
  resumed: boolean;
  /** the negotiated Maximum Fragment Length, when one was */
  maxFragment?: number;
  /** the session, to offer again later (`session` option); not enumerable: it holds the master secret */
  readonly session?: Uint8Array;
}

interface HandshakeExports extends PeerExports {
  mh_tls_version(): number;
  mh_tls_suite(): number;
  mh_tls_resumed(): number;
  mh_tls_max_fragment(): number;
}

/** res.tls for a connection whose handshake is done. */
export function tlsFacts(x: HandshakeExports, insecure: boolean, session: () => Uint8Array | undefined): TlsFacts {
  const chain = peerCertificates(x);
  const info: TlsFacts = {
    version: versionName(x.mh_tls_version()),
    cipher: suiteName(x.mh_tls_suite()),
    ...(insecure ? { insecure: true as const } : {}),
    resumed: x.mh_tls_resumed() === 1,
    ...(x.mh_tls_max_fragment() ? { maxFragment: x.mh_tls_max_fragment() } : {}),
    peerCertificates: chain,
    leafSpkiSha256: chain[0]?.spkiSha256 ?? '',
  };
  // not enumerable: the master secret must not end up in logs of res.tls; a
  // getter, because a TLS 1.3 ticket may arrive after the response head
  Object.defineProperty(info, 'session', { get: session, enumerable: false });
  return info;
}
