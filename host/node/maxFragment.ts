// The Maximum Fragment Length (RFC 6066) fallback: a server that ignores the
// offered length may send full-size records, too large for the small buffer,
// so the connection is made again without it before the request is sent.
import { hostError } from './errors.js';
import { forgetSession } from './sessions.js';
import type { Connection, ConnectionOptions } from './connection.js';

type OpenOnce = (options: ConnectionOptions) => Promise<Connection>;

/** MFL was offered and the server's hello did not accept it. */
function maxFragmentRefused(conn: Connection): boolean {
  return conn.options.tls && conn.options.maxFragment !== undefined && conn.core.x.mh_tls_max_fragment() === 0;
}

/** Opens with `openOnce`; if maxFragment was refused, opens again (nothing was sent yet, so it is safe for every request). */
export async function openWithFragmentFallback(options: ConnectionOptions, openOnce: OpenOnce): Promise<Connection> {
  const conn = await openOnce(options);
  if (!maxFragmentRefused(conn)) return conn;
  const resumed = conn.core.x.mh_tls_resumed() === 1;   // read before close ends the session
  await conn.close();
  if (options.socket) {
    throw hostError('TLS_HANDSHAKE', 'the server did not accept maxFragment, and a proxy tunnel cannot be opened again here: retry without maxFragment');
  }
  if (resumed) {
    // OpenSSL leaves MFL out when it resumes a session made without it:
    // a full handshake can still negotiate it.
    forgetSession(conn.sessionOrigin);
    const fresh = await openOnce({ ...options, session: undefined });
    if (!maxFragmentRefused(fresh)) return fresh;
    await fresh.close();
  }
  return openOnce({ ...options, maxFragment: undefined });
}
