// The requests-style API: request(url, options) and one helper per method.
// Dispatch (URL, defaults, body encoding) lives here; the connection does I/O.
import { Connection, type Limits, type LookupFunction, type Timeouts } from './connection.js';
import { Event } from './generated/spec.js';
import { hostError } from './errors.js';
import { Response } from './response.js';
import type { CaInput } from './trust.js';
import type { WallClock } from './core.js';

export interface RequestOptions {
  method?: string;
  /** Extra request headers; Host, Content-Length and Transfer-Encoding are set by the core. */
  headers?: Record<string, string> | Iterable<[string, string]>;
  /** Request body (string is sent as UTF-8). */
  body?: string | Uint8Array | null;
  /** A value sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Trust anchors replacing Node's root store (PEM or DER, one or many). */
  ca?: CaInput;
  /** Timeouts in ms: one number for both, or {connect, read}. Default 30000. */
  timeout?: number | Partial<Timeouts>;
  /** Name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
  /** Resolve the host name yourself (like curl --resolve). */
  lookup?: LookupFunction;
  /** Per-connection limits of the core (docs/errors.md lists them). */
  limits?: Limits;
  /** TLS Maximum Fragment Length (RFC 6066) to offer: 512, 1024, 2048 or 4096. Shrinks the
   * record buffer to that plus 325 bytes; a server that ignores it gets full-size records. */
  maxFragment?: 512 | 1024 | 2048 | 4096;
  /** A TLS session exported earlier (`response.tls.session`) to offer; default: the last one for this origin. */
  session?: Uint8Array;
  /** Keep sessions per origin (host, port, server name) and offer them on the next connection (default true). */
  sessionCache?: boolean;
  /** Wall clock for certificate dates (ms since 1970); undefined means "unknown". */
  clock?: WallClock;
}

const DEFAULT_TIMEOUT = 30_000;

function timeouts(t: RequestOptions['timeout']): Timeouts {
  if (typeof t === 'number') return { connect: t, read: t };
  return { connect: t?.connect ?? DEFAULT_TIMEOUT, read: t?.read ?? DEFAULT_TIMEOUT };
}

function headerPairs(headers: RequestOptions['headers']): [string, string][] {
  if (!headers) return [];
  const entries = Symbol.iterator in headers ? [...(headers as Iterable<[string, string]>)] : Object.entries(headers);
  return entries.map(([k, v]) => [String(k), String(v)]);
}

function hasHeader(pairs: [string, string][], name: string): boolean {
  return pairs.some(([k]) => k.toLowerCase() === name);
}

/** Performs one request; resolves once the response head has arrived. */
export async function request(url: string | URL, options: RequestOptions = {}): Promise<Response> {
  const startedAt = Date.now();
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw hostError('REQUEST_INVALID', `unsupported URL scheme ${target.protocol} (use https: or http:)`);
  }
  const tls = target.protocol === 'https:';
  const port = Number(target.port) || (tls ? 443 : 80);
  const headers = headerPairs(options.headers);
  let body: Uint8Array | null = null;
  if (options.json !== undefined) {
    body = Buffer.from(JSON.stringify(options.json), 'utf8');
    if (!hasHeader(headers, 'content-type')) headers.push(['Content-Type', 'application/json']);
  } else if (options.body != null) {
    body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  }
  if (!hasHeader(headers, 'user-agent')) headers.push(['User-Agent', 'microhttps/0.1']);
  if (!hasHeader(headers, 'accept')) headers.push(['Accept', '*/*']);

  const conn = await Connection.open({
    host: target.hostname,
    port,
    tls,
    servername: options.servername,
    ca: options.ca,
    timeout: timeouts(options.timeout),
    limits: options.limits,
    maxFragment: options.maxFragment,
    session: options.session,
    sessionCache: options.sessionCache,
    clock: options.clock,
    lookup: options.lookup,
  });
  try {
    const defaultPort = (tls && port === 443) || (!tls && port === 80);
    let ev = await conn.send({
      method: (options.method ?? 'GET').toUpperCase(),
      target: `${target.pathname}${target.search}`,
      host: defaultPort ? target.hostname : `${target.hostname}:${port}`,
      headers,
      body,
    });
    // 1xx interim responses (100 Continue, 103 Early Hints) precede the final one.
    while (ev === Event.HEAD && conn.core.x.mh_status() < 200) ev = await conn.next('head');
    if (ev !== Event.HEAD) throw hostError('INTERNAL', `expected a response head, core said ${ev}`);
    return new Response(conn, conn.head(), target.href, startedAt, (c) => void c.close());
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

type MethodOptions = Omit<RequestOptions, 'method'>;

export const get = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'GET' });
export const head = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'HEAD' });
export const post = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'POST' });
export const put = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'PUT' });
export const patch = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'PATCH' });
export const del = (url: string | URL, options?: MethodOptions) => request(url, { ...options, method: 'DELETE' });
