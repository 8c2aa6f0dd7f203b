// A Session: shared defaults, a keep-alive pool per origin, an optional rate
// limiter, redirects. The module-level request()/get()/... use a default one.
import { Connection, type Limits, type LookupFunction, type Timeouts } from './connection.js';
import { Event, type CoreProfile } from './generated/spec.js';
import { hostError, MicroHttpsError } from './errors.js';
import { Response } from './response.js';
import { Pool } from './pool.js';
import { RateLimiter, type Clock, type RateLimit } from './rateLimiter.js';
import { encodeBody, basicAuth, type BodyInit, type FormData, type EncodedBody } from './body.js';
import { selectProxy, proxyAuthorization, tunnel } from './proxy.js';
import type { CaInput, PemInput } from './trust.js';
import type { WallClock } from './core.js';
import type { TlsVersion } from './tlsVersions.js';

export type HeadersInit = Record<string, string> | Iterable<[string, string]>;

export interface RequestOptions {
  method?: string;
  /** Extra request headers; Host, Content-Length and Transfer-Encoding are set by the core. */
  headers?: HeadersInit;
  /** Query parameters appended to the URL. */
  params?: Record<string, string | number | boolean> | Iterable<[string, string]>;
  /** A string or bytes sent as is, or an object sent as application/x-www-form-urlencoded. */
  data?: string | Uint8Array | FormData;
  /** A value sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Request body: string (UTF-8), bytes, or an async iterable / Node Readable (sent chunked). */
  body?: BodyInit;
  /** HTTP Basic authentication. Never sent to another origin after a redirect. */
  auth?: readonly [string, string];
  /** Timeouts in ms: one number for both, or {connect, read}. Default 30000 each. */
  timeout?: number | Partial<Timeouts>;
  /** Cancels the request (and its body) when aborted: MicroHttpsError ABORTED. */
  signal?: AbortSignal;
  /** Redirects to follow (default 5); 0 or false returns the 3xx response itself. */
  redirect?: number | false;
  /** true: the body is read only when you read it (iterContent etc.); false (default): it is read before the promise resolves. */
  stream?: boolean;
  /** Trust anchors replacing Node's root store (PEM or DER, one or many). */
  ca?: CaInput;
  /** Public key pins "sha256/<base64>" (curl --pinnedpubkey): one must match a key of the validated chain. */
  pin?: string | readonly string[];
  /** Skip certificate validation; warns loudly and marks response.tls.insecure. Never the default. */
  insecure?: boolean;
  /** Client certificate chain (PEM, leaf first) and its private key (PEM) for mutual TLS. */
  cert?: PemInput;
  key?: PemInput;
  /** Lowest TLS version to accept: '1.2' (default) or '1.3' (never falls back to TLS 1.2). */
  minVersion?: TlsVersion;
  /** Highest TLS version to offer: '1.2' or '1.3' (default). */
  maxVersion?: TlsVersion;
  /** Offer TLS Maximum Fragment Length (RFC 6066): smaller records, less RAM; falls back if the server ignores it. */
  maxFragment?: 512 | 1024 | 2048 | 4096;
  /** A TLS session exported earlier (`response.tls.session`) to offer; default: the last one for this origin. */
  session?: Uint8Array;
  /** Keep TLS sessions per origin (host, port, server name, trust) and offer them on new connections (default true). */
  sessionCache?: boolean;
  /** Name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
  /** Resolve host names yourself. */
  lookup?: LookupFunction;
  /** curl-style overrides: ['host:port:address', ...]. */
  resolve?: readonly string[];
  /** An http:// proxy URL (user:pass@ for Basic proxy auth), or false for none. */
  proxy?: string | URL | false;
  /** Read HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment (default false). */
  trustEnv?: boolean;
  /** Per-connection limits of the core (docs/errors.md lists them). */
  limits?: Limits;
  /** Wall clock for certificate dates (ms since 1970); undefined means "unknown". */
  clock?: WallClock;
  /** Which build of the core runs the connection (default 'full'); 'small' uses the least memory (docs/memory.md). */
  core?: CoreProfile;
}

export interface SessionOptions extends Omit<RequestOptions, 'method' | 'body' | 'json' | 'data' | 'signal' | 'params'> {
  /** Most connections per origin (default 10). */
  maxSockets?: number;
  /** ms an idle keep-alive connection is kept (default 4000). */
  idleTimeout?: number;
  /** Token bucket: at most `requests` per `per` ms; extra requests wait. */
  rateLimit?: RateLimit;
  /** Time source for the rate limiter (tests use a fake one). */
  rateLimitClock?: Clock;
}

const DEFAULT_TIMEOUT = 30_000;
const DEFAULT_REDIRECTS = 5;
/** A redirect body this small is read so the connection can be reused. */
const DRAIN_REDIRECT_BODY = 64 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Headers never carried to another origin by a redirect. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export class Session {
  readonly defaults: SessionOptions;
  readonly #pool: Pool;
  readonly #limiter: RateLimiter | undefined;
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;

  constructor(options: SessionOptions = {}) {
    this.defaults = options;
    this.#pool = new Pool({ maxSockets: options.maxSockets, idleTimeout: options.idleTimeout });
    this.#limiter = options.rateLimit ? new RateLimiter(options.rateLimit, options.rateLimitClock) : undefined;
  }

  // One helper per method, bound to this session (the module API exports the default session's).
  readonly get = this.#withMethod('GET');
  readonly head = this.#withMethod('HEAD');
  readonly post = this.#withMethod('POST');
  readonly put = this.#withMethod('PUT');
  readonly patch = this.#withMethod('PATCH');
  readonly del = this.#withMethod('DELETE');

  #withMethod(method: string) {
    return (url: string | URL, options?: Omit<RequestOptions, 'method'>): Promise<Response> => this.request(url, { ...options, method });
  }

  /** Closes idle pooled connections. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Idle keep-alive connections held by the pool. */
  get idleConnections(): number {
    return this.#pool.idleCount;
  }

  /** Performs a request, following redirects; resolves with the final response. */
  async request(input: string | URL, options: RequestOptions = {}): Promise<Response> {
    const opts: RequestOptions = { ...this.defaults, ...options, headers: mergeHeaders(this.defaults.headers, options.headers) };
    const started = Date.now();
    let url = withParams(new URL(input), opts.params);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw hostError('REQUEST_INVALID', `unsupported URL scheme ${url.protocol} (use https: or http:)`);
    }
    let method = (opts.method ?? 'GET').toUpperCase();
    let encoded = encodeBody(opts);
    let headers = requestHeaders(opts, encoded);
    const maxRedirects = opts.redirect === false ? 0 : opts.redirect ?? DEFAULT_REDIRECTS;
    const firstOrigin = url.origin;
    const history: Response[] = [];
    for (;;) {
      throwIfAborted(opts.signal);
      if (this.#limiter) await untilAborted(this.#limiter.acquire(), opts.signal);
      const sendAuth = opts.auth && url.origin === firstOrigin;
      const res = await this.#send(url, method, sendAuth ? [...headers, ['Authorization', basicAuth(opts.auth!)]] : headers, encoded, opts);
      const next = redirectTarget(res, url, method, encoded, maxRedirects > 0);
      if (!next) {
        res.history = history;
        res.elapsed = Date.now() - started;
        return opts.stream ? res : res.preload();
      }
      if (history.length >= maxRedirects) {
        await res.close();
        throw hostError('REDIRECT', `more than ${maxRedirects} redirects, last to ${next.url.href}`);
      }
      await discardBody(res);
      history.push(res);
      if (next.url.origin !== url.origin) headers = headers.filter(([n]) => !CREDENTIAL_HEADERS.includes(n.toLowerCase()));
      if (next.dropBody) {
        encoded = { body: null, replayable: true };
        headers = headers.filter(([n]) => !/^content-(type|length|encoding|language|location)$/i.test(n));
      }
      url = next.url;
      method = next.method;
    }
  }

  /** One request on one connection (from the pool when possible). */
  async #send(url: URL, method: string, headers: [string, string][], encoded: EncodedBody, opts: RequestOptions): Promise<Response> {
    const proxy = selectProxy(url, opts.proxy, opts.trustEnv ?? false);
    const key = this.#poolKey(url, proxy, opts);
    // a stale pooled connection (the server closed it while idle) is retried once on a fresh one
    for (let attempt = 0; ; attempt++) {
      const hopStart = Date.now();
      // DNS, TCP and TLS can be aborted too; a connection that opens after the abort is released
      const { conn, reused } = await untilAborted(this.#pool.acquire(key, () => openConnection(url, proxy, opts)), opts.signal,
        (late) => this.#pool.release(key, late.conn, late.conn.usable));
      const release = watchAbort(conn, opts.signal, (c, reusable) => this.#pool.release(key, c, reusable));
      try {
        conn.readTimeout = timeouts(opts.timeout).read;
        const absolute = proxy && url.protocol === 'http:';
        const proxyAuth = absolute ? proxyAuthorization(proxy) : undefined;
        let ev = await conn.send({
          method,
          target: absolute ? url.href : `${url.pathname}${url.search}`,
          host: url.host,
          headers: proxyAuth ? [...headers, ['Proxy-Authorization', proxyAuth]] : headers,
          body: encoded.body,
        });
        // 1xx interim responses (100 Continue, 103 Early Hints) precede the final one
        while (ev === Event.HEAD && conn.core.x.mh_status() < 200) ev = await conn.next('head');
        if (ev !== Event.HEAD) throw hostError('INTERNAL', `expected a response head, the core said ${ev}`);
        return new Response(conn, conn.head(), url.href, hopStart, reused, release);
      } catch (err) {
        release(conn, false);
        const stale = reused && err instanceof MicroHttpsError && err.code === 'CLOSED' && err.detail === 0;
        if (stale && attempt === 0 && IDEMPOTENT.has(method) && encoded.replayable) continue;
        throw err;
      }
    }
  }

  /** Connections are shared only between requests with the same origin, proxy and TLS settings. */
  #poolKey(url: URL, proxy: URL | null, opts: RequestOptions): string {
    const id = (o: unknown) => {
      if (o === undefined || o === null) return 0;
      if (typeof o !== 'object') return String(o);
      if (!this.#ids.has(o)) this.#ids.set(o, this.#nextId++);
      return this.#ids.get(o);
    };
    return [
      url.protocol, url.host, proxy?.href ?? '', opts.servername ?? '', id(opts.ca), id(opts.limits), id(opts.lookup),
      (opts.resolve ?? []).join(','), id(opts.pin), opts.insecure ? 'insecure' : '', id(opts.cert), id(opts.key),
      opts.maxFragment ?? 0, id(opts.session), opts.sessionCache === false ? 'no-cache' : '', opts.core ?? 'full',
      opts.minVersion ?? '', opts.maxVersion ?? '',
    ].join('|');
  }
}

function timeouts(t: RequestOptions['timeout']): Timeouts {
  if (typeof t === 'number') return { connect: t, read: t };
  return { connect: t?.connect ?? DEFAULT_TIMEOUT, read: t?.read ?? DEFAULT_TIMEOUT };
}

async function openConnection(url: URL, proxy: URL | null, opts: RequestOptions): Promise<Connection> {
  const tls = url.protocol === 'https:';
  const port = Number(url.port) || (tls ? 443 : 80);
  const timeout = timeouts(opts.timeout);
  const common = {
    tls, ca: opts.ca, timeout, limits: opts.limits, clock: opts.clock, core: opts.core, servername: opts.servername,
    pin: opts.pin, insecure: opts.insecure, cert: opts.cert, key: opts.key,
    maxFragment: opts.maxFragment, session: opts.session, sessionCache: opts.sessionCache,
    minVersion: opts.minVersion, maxVersion: opts.maxVersion,
  };
  if (!proxy) {
    return Connection.open({ ...common, host: url.hostname, port, lookup: resolveOverride(opts) });
  }
  if (!tls) {
    // plain HTTP through a proxy: talk HTTP to the proxy, with absolute-form targets
    return Connection.open({ ...common, host: proxy.hostname, port: Number(proxy.port) || 80, servername: undefined, lookup: opts.lookup });
  }
  const openTunnel = () => tunnel(proxy, url.hostname.replace(/^\[|\]$/g, ''), port, timeout.connect);
  return Connection.open({ ...common, host: url.hostname, port, socket: await openTunnel(), reopenSocket: openTunnel });
}

/** curl --resolve host:port:address entries become a lookup for that host and port. */
function resolveOverride(opts: RequestOptions): LookupFunction | undefined {
  if (!opts.resolve?.length) return opts.lookup;
  const table = opts.resolve.map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+):(.+)$/.exec(entry);
    if (!m) throw hostError('CONFIG', `resolve entry "${entry}" is not host:port:address`);
    return { host: m[1].replace(/^\[|\]$/g, '').toLowerCase(), address: m[3].replace(/^\[|\]$/g, '') };
  });
  return async (hostname) => {
    const hit = table.find((e) => e.host === hostname.toLowerCase());
    if (hit) return { address: hit.address };
    if (opts.lookup) return opts.lookup(hostname);
    const { lookup } = await import('node:dns/promises');
    return lookup(hostname, { all: true });
  };
}

function mergeHeaders(base: HeadersInit | undefined, extra: HeadersInit | undefined): [string, string][] {
  const out = new Map<string, [string, string]>();
  for (const h of [base, extra]) for (const [k, v] of pairs(h)) out.set(k.toLowerCase(), [k, v]);
  return [...out.values()];
}

function pairs(h: HeadersInit | undefined): [string, string][] {
  if (!h) return [];
  const list = Symbol.iterator in Object(h) ? [...(h as Iterable<[string, string]>)] : Object.entries(h);
  return list.map(([k, v]) => [String(k), String(v)]);
}

function requestHeaders(opts: RequestOptions, encoded: EncodedBody): [string, string][] {
  const headers = pairs(opts.headers);
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (encoded.contentType && !has('content-type')) headers.push(['Content-Type', encoded.contentType]);
  if (!has('user-agent')) headers.push(['User-Agent', 'microhttps/0.1']);
  if (!has('accept')) headers.push(['Accept', '*/*']);
  return headers;
}

function withParams(url: URL, params: RequestOptions['params']): URL {
  if (params) for (const [k, v] of pairs(params as HeadersInit)) url.searchParams.append(k, v);
  return url;
}

/** RFC 9110 §15.4 and what browsers and requests do: 303 -> GET, 301/302 POST -> GET, 307/308 keep method and body. */
function redirectTarget(res: Response, current: URL, method: string, encoded: EncodedBody, follow: boolean) {
  if (!follow || ![301, 302, 303, 307, 308].includes(res.status)) return null;
  const location = res.headers.get('location');
  if (!location) return null;
  let url: URL;
  try {
    url = new URL(location, current);
  } catch {
    throw hostError('REDIRECT', `redirect to an invalid Location: ${location}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw hostError('REDIRECT', `redirect to unsupported scheme ${url.protocol}`);
  const toGet = (res.status === 303 && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST');
  const keepsBody = !toGet && encoded.body !== null;
  if (keepsBody && !encoded.replayable) return null; // a consumed stream cannot be sent again: hand back the 3xx
  return { url, method: toGet ? 'GET' : method, dropBody: toGet };
}

async function discardBody(res: Response): Promise<void> {
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (length <= DRAIN_REDIRECT_BODY) {
    for await (const chunk of res.iterContent()) void chunk;
  } else {
    await res.close();
  }
}

function abortError(signal: AbortSignal) {
  return hostError('ABORTED', `aborted: ${String(signal.reason ?? 'signal')}`);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Rejects with ABORTED as soon as the signal fires; a value that arrives later goes to `discard`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.then((v) => discard?.(v), () => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError(signal));
      promise.then((v) => discard?.(v), () => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

/** Aborting the signal fails the connection's pending work; the returned release stops watching. */
function watchAbort(conn: Connection, signal: AbortSignal | undefined, release: (c: Connection, reusable: boolean) => void) {
  if (!signal) return release;
  const onAbort = () => conn.abort(abortError(signal));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return (c: Connection, reusable: boolean) => {
    signal.removeEventListener('abort', onAbort);
    release(c, reusable && !signal.aborted);
  };
}
