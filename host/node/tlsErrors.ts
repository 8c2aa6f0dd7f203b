// A core TLS or certificate error made readable: the finer reason the core
// recorded (e.g. no matching SAN, pin mismatch) and the subject of the
// certificate at fault are added to the message and the error's fields.
import { TlsReason } from './generated/spec.js';
import { MicroHttpsError } from './errors.js';
import { nameText } from './certText.js';
import { versionName, suiteName, type PeerExports } from './tlsFacts.js';
import type { SuitesOffered } from './suites.js';

interface FailureExports extends PeerExports {
  mh_error_reason(): number;
  mh_error_subject_ptr(): number;
  mh_error_subject_len(): number;
  mh_tls_version(): number;
  mh_tls_suite(): number;
}

const reasonNames = Object.fromEntries(Object.entries(TlsReason).map(([k, v]) => [v, k])) as Record<number, string>;

/** No suite in common, said for the version that was tried, and what the other would offer. */
function noCommonSuite(offered: SuitesOffered): string {
  if (!offered.tls13) {
    return `the server accepts none of the TLS 1.2 cipher suites offered (${offered.tls12Suites}): it offers only DHE, static-RSA or CBC suites, or only TLS < 1.2, or only suites the suites option left out`;
  }
  return `the server accepts none of the TLS 1.3 cipher suites offered (${offered.tls13Suites}): it has only other ones, or only suites the suites option left out. ` +
    `TLS 1.2 (${offered.tls12Suites}) was not tried: only a server that answers TLS 1.3 with TLS 1.2 is connected to again with it (maxVersion: '1.2' goes there directly)`;
}

function reasonText(x: FailureExports, reason: number, offered: SuitesOffered): string {
  switch (reason) {
    case TlsReason.NAME_NO_SAN: return 'the certificate has no DNS or IP subjectAltName; the Common Name is not used (RFC 9525)';
    case TlsReason.NAME_NOT_IN_SAN: return 'no subjectAltName matches the host (DNS names match dNSName SANs only, IP addresses iPAddress SANs only)';
    case TlsReason.EKU_NO_SERVER_AUTH: return 'the certificate\'s extendedKeyUsage does not allow serverAuth';
    case TlsReason.PIN_MISMATCH: return 'no public key of the validated chain matches a pin';
    case TlsReason.CERT_UNREADABLE: return 'a certificate is malformed DER or nested too deeply';
    case TlsReason.CLIENT_CERT_REQUESTED: return 'the server requires a client certificate: pass cert and key';
    case TlsReason.CLIENT_CERT_REJECTED: return 'the server refused our client certificate';
    case TlsReason.SERVER_OLD_VERSION: return `the server wants ${versionName(x.mh_tls_version())}; only TLSv1.2 and TLSv1.3 are accepted`;
    case TlsReason.DOWNGRADE: return 'the server random carries the TLS 1.3 downgrade sentinel: someone on the path made a TLS-1.3-capable server speak TLSv1.2 (RFC 8446 4.1.3)';
    case TlsReason.SERVER_TLS12: return 'the server does not speak TLSv1.3 (it answered with TLSv1.2 or refused the version), and minVersion is \'1.3\'';
    case TlsReason.BAD_RESUMPTION: return 'the server answered our TLS 1.3 session ticket against RFC 8446: it selected a ticket we did not offer, a cipher suite of another hash than the ticket\'s, or resumption without a key exchange';
    case TlsReason.SERVER_SUITE: return `the server chose ${suiteName(x.mh_tls_suite())}, which we did not offer`;
    case TlsReason.ANCHOR_SIGNATURE: return 'its issuer is a trusted root by name, but the signature does not verify with that root\'s key';
    case TlsReason.WEAK_SIGNATURE_HASH: return 'it is signed with SHA-1 or MD5';
    case TlsReason.RSA_KEY_TOO_LARGE: return 'its RSA key, or the RSA key that signed it, is larger than 4096 bits, the most BearSSL supports (a fixed limit of the TLS library, not a setting)';
    case TlsReason.RECORD_OVERFLOW: return 'the server sent a TLS record larger than the record buffer takes or than the record size it agreed to (maxFragment: max_fragment_length or record_size_limit); we answered record_overflow';
    case TlsReason.NO_COMMON_SUITE: return noCommonSuite(offered);
  }
  return '';
}

/** Adds the reason and the offending certificate's subject to a core TLS/certificate error; `offered` says what the connection offered. */
export function tlsFailure(x: FailureExports, err: MicroHttpsError, offered: SuitesOffered): MicroHttpsError {
  if (!err.code.startsWith('CERT_') && !err.code.startsWith('TLS_')) return err;
  const reason = x.mh_error_reason();
  const subjectDer = new Uint8Array(x.memory.buffer, x.mh_error_subject_ptr(), x.mh_error_subject_len()).slice();
  const subject = err.code.startsWith('CERT_') && subjectDer.length ? nameText(subjectDer) : undefined;
  const why = reasonText(x, reason, offered);
  const message = `${err.message}${why ? `: ${why}` : ''}${subject ? ` (certificate: ${subject})` : ''}`;
  return new MicroHttpsError(err.code, message, {
    detail: err.detail, detailName: err.detailName, reason: reason ? reasonNames[reason] : undefined, subject,
  });
}
