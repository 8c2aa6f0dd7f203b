// Dialing: name resolution (a caller's lookup or the system's), TCP connect
// to the first address that answers, and the connect deadline over both.
// Errors are DNS, CONNECT or TIMEOUT naming the phase.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { hostError, MicroHttpsError } from './errors.js';

/** Resolves a host name: one address or several (tried in order). */
export type LookupFunction = (hostname: string) => Promise<{ address: string; family?: number } | { address: string; family?: number }[]>;

/** The addresses of a host (an IP address is its own), via `lookup` or the system resolver. */
export async function addressesOf(hostName: string, lookup: LookupFunction | undefined): Promise<string[]> {
  const host = hostName.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [host];
  try {
    const result = await (lookup ?? ((h: string) => dnsLookup(h, { all: true })))(host);
    const list = (Array.isArray(result) ? result : [result]).map((r) => r.address);
    if (list.length === 0) throw hostError('DNS', `${host}: no address`);
    return list;
  } catch (err) {
    if (err instanceof MicroHttpsError) throw err;
    throw hostError('DNS', `${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
}

/** Tries each address in order (IPv4 and IPv6 alike); the first that connects wins. */
export async function connectFirst(addresses: string[], port: number): Promise<Socket & { destroy(): Socket }> {
  let last: unknown;
  for (const address of addresses) {
    try {
      return await tcpConnect(address, port);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

function tcpConnect(address: string, port: number): Promise<Socket> {
  return new Promise((resolvePromise, reject) => {
    const socket = netConnect({ host: address, port, noDelay: true });
    const onError = (err: NodeJS.ErrnoException) => {
      socket.destroy();
      reject(hostError('CONNECT', `${address}:${port}: ${err.code ?? err.message}`, err));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolvePromise(socket);
    });
  });
}

/** Rejects with TIMEOUT naming the phase if the promise is not settled by the deadline. */
export async function withDeadline<T extends { destroy?: () => void } | string[]>(promise: Promise<T>, deadline: number, phase: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const ms = deadline - Date.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(hostError('TIMEOUT', `${phase}: not done within the connect timeout`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (err) {
    // a socket that connects after the deadline must not leak
    promise.then((v) => !Array.isArray(v) && v.destroy?.(), () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
