// A Session: checked defaults, a keep-alive pool keyed by origin, proxy and
// connection settings (options.ts), an optional rate limiter, redirects and
// the retry of a stale pooled connection. request()/get()/... use a default one.
import { Connection } from './connection.js';
import { Event } from './generated/spec.js';
import { hostError, MicroHttpsError } from './errors.js';
import { Response, type BodyDecoding } from './response.js';
import { ACCEPT_ENCODING, decodeLimitsOf } from './decode.js';
import { Pool } from './pool.js';
import { RateLimiter } from './rateLimiter.js';
import { encodeBody, basicAuth, type EncodedBody } from './body.js';
import { selectProxy, proxyAuthorization, tunnel } from './proxy.js';
import {
  checkOptions, connectionSettings, settingsKey, requestRules, sessionRules, CONNECTION_KEYS,
  type ConnectionSettings, type HeadersInit, type RequestOptions, type SessionOptions, type Timeouts,
} from './options.js';
import { lookupWithOverrides } from './resolveOption.js';

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
  /** The settings part of the pool key for the defaults' connection settings, and the values it was made of. */
  #defaultsKey: { values: unknown[]; key: string } | undefined;

  constructor(options: SessionOptions = {}) {
    checkOptions(options, sessionRules);
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
    checkOptions(options, requestRules);
    // Object.assign, not an object spread: spreading the long-lived defaults per request made V8 promote
    // per-request garbage out of the young generation and grow it (docs/memory.md). Both objects have
    // passed checkOptions, so neither has an own __proto__ for assign to set.
    const opts: RequestOptions = Object.assign({}, this.defaults, options, { headers: mergeHeaders(this.defaults.headers, options.headers) });
    const started = Date.now();
    let url = withParams(parseUrl(input), opts.params);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw hostError('REQUEST_INVALID', `unsupported URL scheme ${url.protocol} (use https: or http:)`);
    }
    let method = (opts.method ?? 'GET').toUpperCase();
    const decoding: BodyDecoding = { decompress: opts.decompress !== false, limits: decodeLimitsOf(opts.decodeLimits) };
    let encoded = encodeBody(opts);
    let headers = requestHeaders(opts, encoded, decoding.decompress);
    const maxRedirects = opts.redirect === false ? 0 : opts.redirect ?? DEFAULT_REDIRECTS;
    const firstOrigin = url.origin;
    const history: Response[] = [];
    for (;;) {
      throwIfAborted(opts.signal);
      if (this.#limiter) await untilAborted(this.#limiter.acquire(), opts.signal);
      const sendAuth = opts.auth && url.origin === firstOrigin;
      const res = await this.#send(url, method, sendAuth ? [...headers, ['Authorization', basicAuth(opts.auth!)]] : headers, encoded, opts, decoding);
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
  async #send(url: URL, method: string, headers: [string, string][], encoded: EncodedBody, opts: RequestOptions, decoding: BodyDecoding): Promise<Response> {
    const proxy = selectProxy(url, opts.proxy, opts.trustEnv ?? false);
    const key = `${url.protocol}//${url.host}|${proxy?.href ?? ''}|${this.#settingsKey(opts)}`;
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
        return new Response(conn, conn.head(), url.href, hopStart, reused, release, decoding);
      } catch (err) {
        release(conn, false);
        const stale = reused && err instanceof MicroHttpsError && err.code === 'CLOSED' && err.detail === 0;
        if (stale && attempt === 0 && IDEMPOTENT.has(method) && encoded.replayable) continue;
        throw err;
      }
    }
  }

  /** Connections are shared only between requests with the same origin, proxy and connection settings
   * (this part of the pool key). Most requests give none of their own: the defaults' key is made once
   * and kept while the defaults hold the same values (no per-request serialising of a `ca` PEM). */
  #settingsKey(opts: RequestOptions): string {
    const idOf = (o: object) => {
      if (!this.#ids.has(o)) this.#ids.set(o, this.#nextId++);
      return this.#ids.get(o)!;
    };
    const defaults: ConnectionSettings = this.defaults;
    if (CONNECTION_KEYS.some((name) => opts[name] !== defaults[name])) return settingsKey(opts, idOf);
    const cached = this.#defaultsKey;
    if (cached && CONNECTION_KEYS.every((name, i) => defaults[name] === cached.values[i])) return cached.key;
    this.#defaultsKey = { values: CONNECTION_KEYS.map((name) => defaults[name]), key: settingsKey(defaults, idOf) };
    return this.#defaultsKey.key;
  }
}

function parseUrl(input: string | URL): URL {
  try {
    return new URL(input);
  } catch (err) {
    throw hostError('REQUEST_INVALID', `${JSON.stringify(String(input))} is not an absolute URL`, err);
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
  const { resolve, ...settings } = connectionSettings(opts);
  const common = { ...settings, tls, timeout };
  if (!proxy) {
    return Connection.open({ ...common, host: url.hostname, port, lookup: lookupWithOverrides(resolve, port, opts.lookup) });
  }
  if (!tls) {
    // plain HTTP through a proxy: talk HTTP to the proxy, with absolute-form targets
    return Connection.open({ ...common, host: proxy.hostname, port: Number(proxy.port) || 80, servername: undefined });
  }
  const openTunnel = () => tunnel(proxy, url.hostname.replace(/^\[|\]$/g, ''), port, timeout.connect);
  return Connection.open({ ...common, host: url.hostname, port, socket: await openTunnel(), reopenSocket: openTunnel });
}

function mergeHeaders(base: HeadersInit | undefined, extra: HeadersInit | undefined): [string, string][] {
  if (!base && !extra) return [];
  const out = new Map<string, [string, string]>();
  for (const h of [base, extra]) for (const [k, v] of pairs(h)) out.set(k.toLowerCase(), [k, v]);
  return [...out.values()];
}

function pairs(h: HeadersInit | undefined): [string, string][] {
  if (!h) return [];
  const list = Symbol.iterator in Object(h) ? [...(h as Iterable<[string, string]>)] : Object.entries(h);
  return list.map(([k, v]) => [String(k), String(v)]);
}

function requestHeaders(opts: RequestOptions, encoded: EncodedBody, decompress: boolean): [string, string][] {
  const headers = pairs(opts.headers);
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  if (encoded.contentType && !has('content-type')) headers.push(['Content-Type', encoded.contentType]);
  if (!has('user-agent')) headers.push(['User-Agent', 'microhttps/0.1']);
  if (!has('accept')) headers.push(['Accept', '*/*']);
  // the caller's own Accept-Encoding wins; what comes back is decoded all the same (as requests does)
  if (decompress && !has('accept-encoding')) headers.push(['Accept-Encoding', ACCEPT_ENCODING]);
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
    // as sent: a redirect's body is never read, so its Content-Encoding does not matter
    await res.discard();
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
