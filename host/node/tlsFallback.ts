// The TLS version policy of opening a connection: TLS 1.3 first when the
// range allows it; a server that answers with TLS 1.2 is connected to again
// with TLS 1.2 (when allowed) and remembered per origin (tlsVersions.ts);
// every TLS 1.2 handshake that TLS 1.3 could have replaced checks the RFC 8446
// 4.1.3 downgrade sentinel, resumed ones included (an origin remembered as
// TLS 1.2 that now sends it is forgotten, so it is not held on TLS 1.2).
// Sessions follow the version, never the other way round: a TLS 1.3 ticket
// is offered by TLS 1.3 opens, a TLS 1.2 session by TLS 1.2 opens only.
import { OpenFlag } from './generated/spec.js';
import { MicroHttpsError } from './errors.js';
import { originKey, sessionToOffer } from './sessions.js';
import { versionRange, tryTls13, rememberTls12, forgetTls12, withClientCertificate, withinCore } from './tlsVersions.js';
import type { Connection, ConnectionOptions } from './connection.js';

/** What this policy decides for one attempt; set here only. */
export interface EngineChoice {
  /** Open with the TLS 1.3 engine. */
  tls13?: boolean;
  /** TLS 1.2 where TLS 1.3 was acceptable: refuse a downgraded server. */
  downgradeCheck?: boolean;
}

type OpenOnce = (options: ConnectionOptions) => Promise<Connection>;

/** The core's OPEN_* flags for the engine chosen. */
export function versionFlags(options: EngineChoice): number {
  return (options.tls13 ? OpenFlag.TLS13 : 0) | (options.downgradeCheck ? OpenFlag.DOWNGRADE_CHECK : 0);
}

/** The session this attempt offers: the one given (the core offers it only with its own version), else the kept one of the engine's version. */
export function sessionFor(options: ConnectionOptions, origin: string): Uint8Array | undefined {
  if (!options.tls) return undefined;
  if (options.session !== undefined) return options.session;
  if (options.sessionCache === false) return undefined;
  return sessionToOffer(origin, options.tls13 ? '1.3' : '1.2', (options.clock ?? Date.now)());
}

/** Opens with `openOnce`, with TLS 1.3 first and one fallback to TLS 1.2 when the range allows it. */
export async function openWithVersionFallback(options: ConnectionOptions, openOnce: OpenOnce): Promise<Connection> {
  if (!options.tls) return openOnce(options);
  let range = withinCore(versionRange(options.minVersion, options.maxVersion), options.core ?? 'full');
  if (options.cert !== undefined || options.key !== undefined) range = withClientCertificate(range);
  const origin = originKey(options, 'versions');
  const tls12 = { ...options, tls13: false, downgradeCheck: range.max === '1.3' };
  const tls13 = { ...options, tls13: true, downgradeCheck: false };
  if (!tryTls13(range, origin)) return openTls12(tls12, origin, openOnce);
  try {
    return await openOnce(tls13);
  } catch (err) {
    if (!(err instanceof MicroHttpsError) || err.reason !== 'SERVER_TLS12' || range.min === '1.3') throw err;
    if (options.socket && !options.reopenSocket) throw err;
    rememberTls12(origin);
    const socket = options.socket ? await options.reopenSocket!() : undefined;
    return openTls12({ ...tls12, socket }, origin, openOnce);
  }
}

/** TLS 1.2; a downgraded server is refused and its origin tried with TLS 1.3 next time. */
async function openTls12(options: ConnectionOptions, origin: string, openOnce: OpenOnce): Promise<Connection> {
  try {
    return await openOnce(options);
  } catch (err) {
    if (err instanceof MicroHttpsError && err.reason === 'DOWNGRADE') forgetTls12(origin);
    throw err;
  }
}
