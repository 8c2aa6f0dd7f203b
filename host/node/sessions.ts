// TLS sessions kept per origin (host, port, server name), so that the next
// connection to the same origin offers the last session and can skip the
// certificate exchange and key agreement. What the session was validated
// against (anchors digest, insecure, pins: sessionTrust) is part of the key:
// a session validated against one `ca` is never resumed under another, nor
// one made with `insecure` or other pins. Bytes come from the core's
// mh_session_export and hold the master secret or the PSK: they never leave this
// process unless the caller takes them (Response.tls.session).
//
// The newest session of an origin is offered until a newer one arrives: a
// TLS 1.3 server sends a new ticket on every full handshake, but not always
// on a resumed one (Node's https server does not), so a ticket may be
// offered again, as Node's own client does. A ticket whose ticket_lifetime
// (at most seven days) is over is dropped.
import { Session } from './generated/spec.js';

const MAX_ORIGINS = 256;

const sessions = new Map<string, Uint8Array>();

/** The key of a connection's origin: host, port, the server name it checks (the host unless servername is given), and what it trusts. */
export function originKey(target: { host: string; port: number; servername?: string }, trustDigest: string): string {
  const servername = target.servername ?? target.host;
  return JSON.stringify([target.host.toLowerCase(), target.port, servername.toLowerCase(), trustDigest]);
}

/**
 * What a session was validated against: the trust anchors' digest, whether
 * validation was skipped, and the pins. A resumed connection sees no
 * certificate, so a session made under weaker settings (insecure, other
 * anchors, no or other pins) must never be offered under stronger ones.
 */
export function sessionTrust(anchorsDigest: string, insecure: boolean, pin: string | readonly string[] | undefined): string {
  return JSON.stringify([anchorsDigest, insecure, pin === undefined ? [] : [pin].flat()]);
}

/** The TLS version a session resumes: '1.3' for a ticket, '1.2' for a session id. */
export function sessionVersion(session: Uint8Array): '1.2' | '1.3' {
  return session[0] === Session.FORMAT_TLS13 ? '1.3' : '1.2';
}

/** Whether a TLS 1.3 session's ticket has outlived its lifetime at `now` (ms; undefined: no clock, the core decides). */
export function sessionExpired(session: Uint8Array, now: number | undefined): boolean {
  if (sessionVersion(session) !== '1.3' || now === undefined || session.length < Session.TLS13_FIXED_BYTES) return false;
  const view = new DataView(session.buffer, session.byteOffset, session.byteLength);
  const received = Number(view.getBigUint64(Session.TLS13_RECEIVED_AT));
  const lifetime = Math.min(view.getUint32(Session.TLS13_LIFETIME_AT), Session.TICKET_MAX_LIFETIME_S);
  return now - received >= lifetime * 1000;
}

/** The session to offer on a new connection of `version` to origin; an expired one is dropped. */
export function sessionToOffer(origin: string, version: '1.2' | '1.3', now: number | undefined): Uint8Array | undefined {
  const session = sessions.get(origin);
  if (session === undefined || sessionVersion(session) !== version) return undefined;
  if (!sessionExpired(session, now)) return session;
  sessions.delete(origin);
  return undefined;
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
