// The resolve option (curl --resolve): fixed addresses for host names, given
// as 'host:port:address' strings, { 'host:port': address } or { host: address }
// (any port). It becomes the lookup function of the connections it applies to.
import { isIP } from 'node:net';
import type { LookupFunction } from './dial.js';

export type ResolveInput = readonly string[] | Readonly<Record<string, string>>;

interface Override {
  host: string;
  /** undefined: every port */
  port: number | undefined;
  address: string;
}

const unbracket = (s: string) => s.replace(/^\[|\]$/g, '');

function override(host: string, port: string | undefined, address: unknown): Override | undefined {
  if (typeof address !== 'string' || !isIP(unbracket(address))) return undefined;
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && !(portNumber >= 1 && portNumber <= 65535)) return undefined;
  return { host: unbracket(host).toLowerCase(), port: portNumber, address: unbracket(address) };
}

/** The overrides the option holds, or undefined when it is not one of the accepted forms. */
export function resolveEntries(input: unknown): Override[] | undefined {
  let entries: (Override | undefined)[];
  if (Array.isArray(input)) {
    entries = input.map((entry) => {
      const m = typeof entry === 'string' ? /^(\[[^\]]+\]|[^:]+):(\d+):(.+)$/.exec(entry) : null;
      return m ? override(m[1], m[2], m[3]) : undefined;
    });
  } else if (typeof input === 'object' && input !== null) {
    entries = Object.entries(input).map(([name, address]) => {
      const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(name);
      return m ? override(m[1], m[2], address) : undefined;
    });
  } else {
    return undefined;
  }
  return entries.every((e) => e !== undefined) ? (entries as Override[]) : undefined;
}

/** The pool key's part: the same overrides share a connection however they were written. */
export function resolveKey(input: ResolveInput): string {
  return JSON.stringify(resolveEntries(input));
}

/** A lookup answering the overrides for this port, and asking `lookup` (or the system) for other names. */
export function lookupWithOverrides(input: ResolveInput | undefined, port: number, lookup: LookupFunction | undefined): LookupFunction | undefined {
  const table = (input === undefined ? [] : resolveEntries(input) ?? []).filter((e) => e.port === undefined || e.port === port);
  if (table.length === 0) return lookup;
  return async (hostname) => {
    const hit = table.find((e) => e.host === hostname.toLowerCase());
    if (hit) return { address: hit.address };
    if (lookup) return lookup(hostname);
    const { lookup: system } = await import('node:dns/promises');
    return system(hostname, { all: true });
  };
}
