// Every failure is a MicroHttpsError with a `code` from one list (docs/errors.md);
// this shows what each class of code means and what to do about it.
// Usage: node examples/errors.mjs [URL] [TIMEOUT_MS]
import { get, MicroHttpsError, HTTPError } from '../dist/index.js';

const url = process.argv[2] ?? 'https://expired.badssl.com/';
const timeout = Number(process.argv[3] ?? 10_000);

function advice(err) {
  if (err instanceof HTTPError) {
    return err.status >= 500 ? 'the server failed: retry later, with backoff' : 'the request was refused: check the URL, credentials and body';
  }
  if (!(err instanceof MicroHttpsError)) throw err; // a bug in this program, not a network problem
  const { code } = err;
  if (code.startsWith('CERT_')) {
    // CERT_EXPIRED, CERT_NOT_YET_VALID, CERT_HOSTNAME_MISMATCH, CERT_UNTRUSTED, CERT_INVALID, CERT_TIME_UNKNOWN
    if (code === 'CERT_TIME_UNKNOWN') return 'this device has no clock: set the time (e.g. SNTP) before connecting';
    if (code === 'CERT_UNTRUSTED') return 'unknown CA: pass its certificate with { ca } (or NODE_EXTRA_CA_CERTS), never turn validation off';
    return 'the server\'s certificate is not acceptable: the server must fix it (or check the device clock); do not retry';
  }
  if (code.startsWith('TLS_')) return 'TLS failed (no common version/suite, client certificate, or a broken peer): check the server\'s TLS set-up';
  if (code === 'DNS') return 'the host name does not resolve: check the spelling and the network\'s DNS';
  if (code === 'CONNECT') return 'nothing accepts connections there: check host, port and firewall; retry later';
  if (code === 'TIMEOUT') return `the server did not answer in time (${err.message}): retry, or raise { timeout }`;
  if (code === 'CLOSED') return 'the connection dropped before the response was complete: nothing partial was returned; retry if the request is idempotent';
  if (code.startsWith('HTTP_')) return 'the server sent a malformed or oversized response (HTTP_PARSE / HTTP_LIMIT): raise { limits } only if you trust it';
  return 'see docs/errors.md';
}

try {
  const res = await get(url, { timeout });
  res.raiseForStatus();
  console.log(`OK ${res.status} ${res.reason}`);
} catch (err) {
  console.log(`${err.code ?? `HTTP ${err.status}`}: ${advice(err)}`);
  console.log(`  (${err.message})`);
  process.exitCode = 1;
}
