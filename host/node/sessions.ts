// TLS sessions kept per origin (host, port, server name), so that the next
// connection to the same origin offers the last session and can skip the
// certificate exchange and key agreement. The trust anchors (their digest) are
// part of the key: a session validated against one `ca` is never resumed under
// another. Bytes come from the core's
// mh_session_export and hold the master secret: they never leave this
// process unless the caller takes them (Response.tls.session).

const MAX_ORIGINS = 256;

const sessions = new Map<string, Uint8Array>();

/** The key of a connection's origin: host, port, the server name it checks (the host unless servername is given), and what it trusts. */
export function originKey(target: { host: string; port: number; servername?: string }, trustDigest: string): string {
  const servername = target.servername ?? target.host;
  return JSON.stringify([target.host.toLowerCase(), target.port, servername.toLowerCase(), trustDigest]);
}

export function cachedSession(origin: string): Uint8Array | undefined {
  return sessions.get(origin);
}

export function rememberSession(origin: string, session: Uint8Array): void {
  sessions.delete(origin); // re-inserted last: the Map's order is the eviction order
  sessions.set(origin, session);
  if (sessions.size > MAX_ORIGINS) sessions.delete(sessions.keys().next().value as string);
}

export function forgetSession(origin: string): void {
  sessions.delete(origin);
}

/** Drops every kept session (e.g. when trust settings change). */
export function clearSessions(): void {
  sessions.clear();
}
