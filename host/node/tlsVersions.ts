// Which TLS versions a connection may speak (minVersion / maxVersion), and
// the origins known to answer a TLS 1.3 ClientHello with TLS 1.2. Our TLS 1.3
// engine offers 1.3 only (BearSSL cannot continue a handshake from our
// ClientHello), so the first connection to a TLS-1.2-only origin costs one
// extra TCP connect and round trip; the origin is then remembered here and
// later connections go straight to TLS 1.2.
import { hostError } from './errors.js';
import type { CoreProfile } from './generated/spec.js';
import { profileLeavesOut } from './core.js';

export type TlsVersion = '1.2' | '1.3';

export interface VersionRange {
  min: TlsVersion;
  max: TlsVersion;
}

export const TLS_VERSIONS: readonly TlsVersion[] = ['1.2', '1.3'];
export const DEFAULT_MIN_VERSION: TlsVersion = '1.2';
export const DEFAULT_MAX_VERSION: TlsVersion = '1.3';

/** The range from the options, checked: CONFIG for an unknown version or min above max. */
export function versionRange(min: unknown, max: unknown): VersionRange {
  const lo = min ?? DEFAULT_MIN_VERSION;
  const hi = max ?? DEFAULT_MAX_VERSION;
  for (const [name, v] of [['minVersion', lo], ['maxVersion', hi]] as const) {
    if (!TLS_VERSIONS.includes(v as TlsVersion)) throw hostError('CONFIG', `${name} must be '1.2' or '1.3', not ${JSON.stringify(v)}`);
  }
  if (lo > hi) throw hostError('CONFIG', `minVersion ${lo} is above maxVersion ${hi}`);
  return { min: lo as TlsVersion, max: hi as TlsVersion };
}

const MAX_ORIGINS = 256;
const tls12Origins = new Set<string>();

export function speaksOnlyTls12(origin: string): boolean {
  return tls12Origins.has(origin);
}

/** A TLS 1.2 connection found the downgrade sentinel: try TLS 1.3 again next time. */
export function forgetTls12(origin: string): void {
  tls12Origins.delete(origin);
}

export function rememberTls12(origin: string): void {
  tls12Origins.delete(origin); // re-inserted last: the Set's order is the eviction order
  tls12Origins.add(origin);
  if (tls12Origins.size > MAX_ORIGINS) tls12Origins.delete(tls12Origins.values().next().value as string);
}

/** Whether to open with TLS 1.3 first: allowed, and the origin not known to refuse it. */
export function tryTls13(range: VersionRange, origin: string): boolean {
  return range.max === '1.3' && (range.min === '1.3' || !speaksOnlyTls12(origin));
}

/** The range a core can speak: a profile built without TLS 1.3 (MH_NO_TLS13, the small one) speaks TLS 1.2 only. */
export function withinCore(range: VersionRange, profile: CoreProfile): VersionRange {
  if (!profileLeavesOut(profile, 'MH_NO_TLS13')) return range;
  if (range.min === '1.3') throw hostError('CONFIG', `the '${profile}' core is built without TLS 1.3: minVersion '1.3' needs core 'full' or 'portable'`);
  return { min: '1.2', max: '1.2' };
}

/** The range for a connection with a client certificate: those are TLS 1.2 only for now. */
export function withClientCertificate(range: VersionRange): VersionRange {
  if (range.min === '1.3') throw hostError('CONFIG', 'client certificates (cert, key) are supported over TLS 1.2 only: minVersion \'1.3\' cannot be used with them');
  return { min: '1.2', max: '1.2' };
}
