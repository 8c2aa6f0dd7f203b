// The one error type users see. Codes come from spec/errors.json through the
// generated module; the message says what went wrong in words.
import {
  ErrorCodes, errorMessages, errorNames, parseDetailNames, parseDetailMessages, requestDetailNames,
  requestDetailMessages, limitSpecs, type ErrorCodeName,
} from './generated/spec.js';

export type { ErrorCodeName };

export class MicroHttpsError extends Error {
  /** One of the shared codes, e.g. 'CERT_EXPIRED' or 'HTTP_PARSE'. */
  readonly code: ErrorCodeName;
  /** Numeric detail from the core: a BearSSL error, a parse detail or a limit id. */
  readonly detail: number;
  /** The detail's name when it has one (e.g. 'BAD_CHUNK_SIZE', 'headerBytes', 'BR_ERR_X509_EXPIRED'). */
  readonly detailName: string | undefined;
  /** TLS failures: the finer reason (e.g. 'NAME_NOT_IN_SAN', 'PIN_MISMATCH'), when there is one. */
  readonly reason: string | undefined;
  /** Certificate failures: the subject of the certificate at fault, e.g. 'CN=localhost'. */
  readonly subject: string | undefined;

  constructor(code: ErrorCodeName, message: string, options: { detail?: number; detailName?: string; reason?: string; subject?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MicroHttpsError';
    this.code = code;
    this.detail = options.detail ?? 0;
    this.detailName = options.detailName;
    this.reason = options.reason;
    this.subject = options.subject;
  }
}

// BearSSL's error numbers, for messages (from bearssl_ssl.h / bearssl_x509.h).
const bearsslErrors: Record<number, string> = {
  3: 'BR_ERR_UNSUPPORTED_VERSION', 4: 'BR_ERR_BAD_VERSION', 6: 'BR_ERR_TOO_LARGE', 7: 'BR_ERR_BAD_MAC', 9: 'BR_ERR_UNKNOWN_TYPE',
  10: 'BR_ERR_UNEXPECTED', 14: 'BR_ERR_BAD_HANDSHAKE', 16: 'BR_ERR_BAD_CIPHER_SUITE', 18: 'BR_ERR_BAD_FRAGLEN', 26: 'BR_ERR_INVALID_ALGORITHM',
  27: 'BR_ERR_BAD_SIGNATURE', 29: 'BR_ERR_NO_CLIENT_AUTH', 33: 'BR_ERR_X509_INVALID_VALUE',
  34: 'BR_ERR_X509_TRUNCATED', 35: 'BR_ERR_X509_EMPTY_CHAIN', 47: 'BR_ERR_X509_BAD_DN', 48: 'BR_ERR_X509_BAD_TIME',
  49: 'BR_ERR_X509_UNSUPPORTED', 50: 'BR_ERR_X509_LIMIT_EXCEEDED', 51: 'BR_ERR_X509_WRONG_KEY_TYPE',
  52: 'BR_ERR_X509_BAD_SIGNATURE', 53: 'BR_ERR_X509_TIME_UNKNOWN', 54: 'BR_ERR_X509_EXPIRED',
  55: 'BR_ERR_X509_DN_MISMATCH', 56: 'BR_ERR_X509_BAD_SERVER_NAME', 57: 'BR_ERR_X509_CRITICAL_EXTENSION',
  58: 'BR_ERR_X509_NOT_CA', 59: 'BR_ERR_X509_FORBIDDEN_KEY_USAGE', 60: 'BR_ERR_X509_WEAK_PUBLIC_KEY',
  62: 'BR_ERR_X509_NOT_TRUSTED',
};

function bearsslName(detail: number): string | undefined {
  if (detail >= 512) return `BR_ERR_SEND_FATAL_ALERT(${detail - 512})`;
  if (detail >= 256) return `BR_ERR_RECV_FATAL_ALERT(${detail - 256})`;
  return bearsslErrors[detail];
}

/** Builds the error for a code and detail reported by the core. */
export function coreError(codeNumber: number, detail: number, context = ''): MicroHttpsError {
  const code = errorNames[codeNumber] ?? 'INTERNAL';
  let detailName: string | undefined;
  let detailText = '';
  if (code === 'HTTP_PARSE' || (code === 'CLOSED' && detail !== 0)) {
    detailName = parseDetailNames[detail];
    detailText = parseDetailMessages[detail] ?? '';
  } else if (code === 'HTTP_LIMIT') {
    const spec = limitSpecs.find((l) => l.id === detail);
    detailName = spec?.name;
    detailText = spec ? `limit ${spec.name} (${spec.doc}) exceeded; raise it with limits: { ${spec.name}: n }, at most ${spec.max}` : '';
  } else if (code === 'REQUEST_INVALID') {
    detailName = requestDetailNames[detail];
    detailText = requestDetailMessages[detail] ?? '';
  } else if (code.startsWith('CERT_') || code.startsWith('TLS_')) {
    detailName = bearsslName(detail);
    detailText = detailName ?? (detail ? `BearSSL error ${detail}` : '');
  }
  const base = errorMessages[codeNumber] ?? 'unknown error';
  const message = `${code}: ${base}${detailText ? ` (${detailText})` : ''}${context ? ` [${context}]` : ''}`;
  return new MicroHttpsError(code, message, { detail, detailName });
}

export function hostError(code: ErrorCodeName, what: string, cause?: unknown): MicroHttpsError {
  return new MicroHttpsError(code, `${code}: ${errorMessages[ErrorCodes[code]]} (${what})`, { cause });
}
