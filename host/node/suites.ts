// The `suites` option: which TLS cipher suite families a connection offers
// (spec/abi.json, group Suite); options.ts checks its form, this file what a
// core has. ChaCha20-Poly1305 only is the choice
// for a server known to support it when AES-GCM would be slow (WAMR's
// interpreters); it cannot reach a server that accepts AES-GCM only.
import { Suite, type CoreProfile } from './generated/spec.js';
import { profileLeavesOut } from './core.js';
import { hostError } from './errors.js';

export type SuiteName = keyof typeof Suite;

export const SUITE_NAMES: readonly string[] = Object.keys(Suite);
const known = SUITE_NAMES as SuiteName[];

/** The suites a profile has, in the order the core offers them. */
function builtIn(profile: CoreProfile): SuiteName[] {
  return known.filter((s) => !(s === 'AES_256_GCM' && profileLeavesOut(profile, 'MH_NO_AES_256')));
}

/** Checks a `suites` option and turns it into mh_tls_suites' mask (CONFIG for a wrong value). */
export function suiteMask(suites: unknown, profile: CoreProfile): number {
  if (!Array.isArray(suites) || suites.length === 0) {
    throw hostError('CONFIG', `suites must be a non-empty array of ${known.join(', ')}`);
  }
  let mask = 0;
  for (const s of suites) {
    if (typeof s !== 'string' || !known.includes(s as SuiteName)) {
      throw hostError('CONFIG', `unknown suite ${JSON.stringify(s)}; known: ${known.join(', ')}`);
    }
    mask |= Suite[s as SuiteName];
  }
  if (!builtIn(profile).some((s) => mask & Suite[s])) {
    throw hostError('CONFIG', `the '${profile}' core has none of the suites ${suites.join(', ')}; it has ${builtIn(profile).join(', ')}`);
  }
  return mask;
}

/** Each family's one TLS 1.3 suite (spec/abi.json, mh_tls_suites). */
const TLS13_SUITE: Record<SuiteName, string> = {
  CHACHA20_POLY1305: 'TLS_CHACHA20_POLY1305_SHA256',
  AES_128_GCM: 'TLS_AES_128_GCM_SHA256',
  AES_256_GCM: 'TLS_AES_256_GCM_SHA384',
};

/** What a connection offered, for a message: the engine it opened with and each version's suites. */
export interface SuitesOffered {
  tls13: boolean;
  /** e.g. 'TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256' */
  tls13Suites: string;
  /** e.g. 'ECDHE-ECDSA and ECDHE-RSA with CHACHA20_POLY1305, AES_128_GCM' */
  tls12Suites: string;
}

export function offeredSuites(suites: readonly string[] | undefined, profile: CoreProfile, tls13: boolean): SuitesOffered {
  const offered = builtIn(profile).filter((s) => suites === undefined || suites.includes(s));
  return {
    tls13,
    tls13Suites: offered.map((s) => TLS13_SUITE[s]).join(', '),
    tls12Suites: `ECDHE-ECDSA and ECDHE-RSA with ${offered.join(', ')}`,
  };
}

/** The pool key part for a (checked) `suites` option: equal lists share. */
export function suitesKey(suites: readonly string[]): string {
  return suites.join(',');
}
