// The Maximum Fragment Length (RFC 6066) fallback: a server that ignores the
// offered length may send full-size records, too large for the small buffer,
// so the connection is made again before the request is sent. What to retry
// with is the core's decision (mh_tls_retry_advice), shared by every host.
import { hostError } from './errors.js';
import { forgetSession } from './sessions.js';
import { RetryAdvice } from './generated/spec.js';
import type { Connection, ConnectionOptions } from './connection.js';

type OpenOnce = (options: ConnectionOptions) => Promise<Connection>;

const advice = (conn: Connection): number => conn.core.x.mh_tls_retry_advice();

/** Opens with `openOnce`; if the core advises a retry, opens again (nothing was sent yet, so it is safe for every request). */
export async function openWithFragmentFallback(options: ConnectionOptions, openOnce: OpenOnce): Promise<Connection> {
  const conn = await openOnce(options);
  const first = advice(conn);
  if (first === RetryAdvice.NONE) return conn;
  await conn.close();
  if (options.socket) {
    throw hostError('TLS_HANDSHAKE', 'the server did not accept maxFragment, and a proxy tunnel cannot be opened again here: retry without maxFragment');
  }
  if (first === RetryAdvice.WITHOUT_SESSION) {
    // OpenSSL leaves MFL out when it resumes a session made without it:
    // a full handshake can still negotiate it.
    forgetSession(conn.sessionOrigin);
    const fresh = await openOnce({ ...options, session: undefined });
    if (advice(fresh) === RetryAdvice.NONE) return fresh;
    await fresh.close();
  }
  return openOnce({ ...options, maxFragment: undefined, limits: { ...options.limits, maxFragmentBytes: undefined } });
}
