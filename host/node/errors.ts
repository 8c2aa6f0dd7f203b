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

// BearSSL's error numbers, for messages: every one bearssl_ssl.h and bearssl_x509.h define.
const bearsslErrors: Record<number, string> = {
  1: 'BR_ERR_BAD_PARAM', 2: 'BR_ERR_BAD_STATE', 3: 'BR_ERR_UNSUPPORTED_VERSION', 4: 'BR_ERR_BAD_VERSION',
  5: 'BR_ERR_BAD_LENGTH', 6: 'BR_ERR_TOO_LARGE', 7: 'BR_ERR_BAD_MAC', 8: 'BR_ERR_NO_RANDOM',
  9: 'BR_ERR_UNKNOWN_TYPE', 10: 'BR_ERR_UNEXPECTED', 12: 'BR_ERR_BAD_CCS', 13: 'BR_ERR_BAD_ALERT',
  14: 'BR_ERR_BAD_HANDSHAKE', 15: 'BR_ERR_OVERSIZED_ID', 16: 'BR_ERR_BAD_CIPHER_SUITE', 17: 'BR_ERR_BAD_COMPRESSION',
  18: 'BR_ERR_BAD_FRAGLEN', 19: 'BR_ERR_BAD_SECRENEG', 20: 'BR_ERR_EXTRA_EXTENSION', 21: 'BR_ERR_BAD_SNI',
  22: 'BR_ERR_BAD_HELLO_DONE', 23: 'BR_ERR_LIMIT_EXCEEDED', 24: 'BR_ERR_BAD_FINISHED', 25: 'BR_ERR_RESUME_MISMATCH',
  26: 'BR_ERR_INVALID_ALGORITHM', 27: 'BR_ERR_BAD_SIGNATURE', 28: 'BR_ERR_WRONG_KEY_USAGE',
  29: 'BR_ERR_NO_CLIENT_AUTH', 31: 'BR_ERR_IO', 33: 'BR_ERR_X509_INVALID_VALUE', 34: 'BR_ERR_X509_TRUNCATED',
  35: 'BR_ERR_X509_EMPTY_CHAIN', 36: 'BR_ERR_X509_INNER_TRUNC', 37: 'BR_ERR_X509_BAD_TAG_CLASS',
  38: 'BR_ERR_X509_BAD_TAG_VALUE', 39: 'BR_ERR_X509_INDEFINITE_LENGTH', 40: 'BR_ERR_X509_EXTRA_ELEMENT',
  41: 'BR_ERR_X509_UNEXPECTED', 42: 'BR_ERR_X509_NOT_CONSTRUCTED', 43: 'BR_ERR_X509_NOT_PRIMITIVE',
  44: 'BR_ERR_X509_PARTIAL_BYTE', 45: 'BR_ERR_X509_BAD_BOOLEAN', 46: 'BR_ERR_X509_OVERFLOW',
  47: 'BR_ERR_X509_BAD_DN', 48: 'BR_ERR_X509_BAD_TIME', 49: 'BR_ERR_X509_UNSUPPORTED',
  50: 'BR_ERR_X509_LIMIT_EXCEEDED', 51: 'BR_ERR_X509_WRONG_KEY_TYPE', 52: 'BR_ERR_X509_BAD_SIGNATURE',
  53: 'BR_ERR_X509_TIME_UNKNOWN', 54: 'BR_ERR_X509_EXPIRED', 55: 'BR_ERR_X509_DN_MISMATCH',
  56: 'BR_ERR_X509_BAD_SERVER_NAME', 57: 'BR_ERR_X509_CRITICAL_EXTENSION', 58: 'BR_ERR_X509_NOT_CA',
  59: 'BR_ERR_X509_FORBIDDEN_KEY_USAGE', 60: 'BR_ERR_X509_WEAK_PUBLIC_KEY', 62: 'BR_ERR_X509_NOT_TRUSTED',
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
