// Every option of request(), Session and fetch: its type, what it accepts
// (checked before anything is sent: CONFIG naming the option), and which ones
// are connection settings, deciding whether a pooled connection may be shared.
import { createHash } from 'node:crypto';
import { coreProfiles, limitSpecs, type CoreProfile } from './generated/spec.js';
import { hostError } from './errors.js';
import type { WallClock } from './core.js';
import type { BodyInit, FormData } from './body.js';
import type { CaInput } from './trustAnchors.js';
import { PIN_FORM, type PemInput } from './credentials.js';
import type { LookupFunction } from './dial.js';
import type { Clock, RateLimit } from './rateLimiter.js';
import { resolveEntries, resolveKey, type ResolveInput } from './resolveOption.js';
import { isProxyUrl } from './proxy.js';
import type { DecodeLimits } from './decode.js';
import { SUITE_NAMES, suitesKey, type SuiteName } from './suites.js';
import { TLS_VERSIONS, DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION, type TlsVersion } from './tlsVersions.js';
import {
  type Rule, show, isString, isBool, isFunction, isBytes, isObject, isMs, isCount, isPositive, oneOf, pairsOf, isHeaderValue, isParamValue, isJson,
} from './optionChecks.js';

export type HeadersInit = Record<string, string> | Iterable<[string, string]>;
export type Limits = Partial<Record<string, number>>;

export interface Timeouts {
  /** DNS lookup + TCP connect + TLS handshake, in ms. */
  connect: number;
  /** Longest wait for any bytes from the server once connected, in ms. */
  read: number;
}

/** How a connection is made: requests share a pooled connection only when these (and origin and proxy) are the same. */
export interface ConnectionSettings {
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
  /** TLS cipher suite families to offer, e.g. ['CHACHA20_POLY1305'] (default: every one the core has, ChaCha20 first). */
  suites?: readonly SuiteName[];
  /** A TLS session exported earlier (`response.tls.session`) to offer; default: the last one for this origin. */
  session?: Uint8Array;
  /** Keep TLS sessions per origin (host, port, server name, trust) and offer them on new connections (default true). */
  sessionCache?: boolean;
  /** Name for SNI and the certificate check, when it differs from the URL's host. */
  servername?: string;
  /** Resolve host names yourself. */
  lookup?: LookupFunction;
  /** Fixed addresses (curl --resolve): ['host:port:address', ...], { 'host:port': address } or { host: address }. */
  resolve?: ResolveInput;
  /** Per-connection limits of the core (docs/errors.md lists them). */
  limits?: Limits;
  /** Wall clock for certificate dates and TLS 1.3 ticket ages (ms since 1970); undefined means "unknown". */
  clock?: WallClock;
  /** Which build of the core runs the connection (default 'full'); 'small' uses the least memory (docs/memory.md). */
  core?: CoreProfile;
}

export interface RequestOptions extends ConnectionSettings {
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
  /** An http:// proxy URL (user:pass@ for Basic proxy auth), or false for none. */
  proxy?: string | URL | false;
  /** Read HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment (default false). */
  trustEnv?: boolean;
  /** false: send no Accept-Encoding of ours and hand back the body as sent; default true: gzip, deflate and br are decoded. */
  decompress?: boolean;
  /** Bounds on a decoded body (decompression bombs): { maxBytes, maxRatio }, HTTP_LIMIT beyond. */
  decodeLimits?: DecodeLimits;
}

/** Options that only make sense for one request, so a Session does not take them as defaults. */
const PER_REQUEST = ['method', 'body', 'json', 'data', 'signal', 'params'] as const;
type PerRequest = (typeof PER_REQUEST)[number];

export interface SessionOptions extends Omit<RequestOptions, PerRequest> {
  /** Most connections per origin (default 10). */
  maxSockets?: number;
  /** ms an idle keep-alive connection is kept (default 4000). */
  idleTimeout?: number;
  /** Token bucket: at most `requests` per `per` ms; extra requests wait. */
  rateLimit?: RateLimit;
  /** Time source for the rate limiter (tests use a fake one). */
  rateLimitClock?: Clock;
}

/** A connection setting's row; `unset` is what leaving it out means, so giving that value still shares. */
interface SettingRule extends Rule {
  unset?: string | boolean;
  /** The part of the pool key for a value, when equal values of a fresh object should share. */
  key?(value: never): string;
}

const limitProblem = (v: Record<string, unknown>): string | undefined => {
  for (const [name, value] of Object.entries(v)) {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) return `unknown limit ${name}; known: ${limitSpecs.map((l) => l.name).join(', ')}`;
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max)) {
      return `limit ${name} must be an integer in ${spec.min}..${spec.max}`;
    }
  }
  return undefined;
};

const isPem = (v: unknown) => isString(v) || isBytes(v);
/** A pin option's pins: a string holds several separated by ';' (curl's form). */
const pinList = (v: unknown): unknown[] => (isString(v) ? v.split(';') : Array.isArray(v) ? v : []);
const isPin = (p: unknown) => isString(p) && PIN_FORM.test(p.trim());

const CONNECTION_RULES: { [K in keyof ConnectionSettings]-?: SettingRule } = {
  ca: { accepts: 'PEM text or DER bytes, or a non-empty array of them', valid: (v) => isPem(v) || (Array.isArray(v) && v.length > 0 && v.every(isPem)) },
  pin: {
    accepts: '"sha256/<base64 of 32 bytes>" (several joined by ;) or a non-empty array of them',
    valid: (v) => pinList(v).length > 0 && pinList(v).every(isPin),
  },
  insecure: { accepts: 'true or false', valid: isBool, unset: false },
  cert: { accepts: 'PEM text (string or bytes)', valid: isPem },
  key: { accepts: 'PEM text (string or bytes)', valid: isPem },
  minVersion: { accepts: "'1.2' or '1.3'", valid: oneOf(...TLS_VERSIONS), unset: DEFAULT_MIN_VERSION },
  maxVersion: { accepts: "'1.2' or '1.3'", valid: oneOf(...TLS_VERSIONS), unset: DEFAULT_MAX_VERSION },
  maxFragment: { accepts: '512, 1024, 2048 or 4096', valid: oneOf(512, 1024, 2048, 4096) },
  suites: {
    accepts: `a non-empty array of ${SUITE_NAMES.join(', ')}`,
    valid: (v) => Array.isArray(v) && v.length > 0 && v.every((s) => SUITE_NAMES.includes(s)),
    key: suitesKey,
  },
  session: { accepts: 'the bytes of response.tls.session (a Uint8Array)', valid: isBytes },
  sessionCache: { accepts: 'true or false', valid: isBool, unset: true },
  servername: { accepts: 'a host name (a non-empty string without spaces)', valid: (v) => isString(v) && /^[^\s/]{1,253}$/.test(v) },
  lookup: { accepts: 'a function (hostname) => Promise<{ address } or [{ address }, ...]>', valid: isFunction },
  resolve: {
    accepts: "['host:port:address', ...], { 'host:port': address } or { host: address } (address an IP address, port 1..65535)",
    valid: (v) => resolveEntries(v) !== undefined,
    key: resolveKey,
  },
  limits: { accepts: 'an object of core limits, e.g. { headerBytes: 8192 } (docs/errors.md)', valid: (v) => isObject(v) && !limitProblem(v), why: (v) => (isObject(v) ? limitProblem(v) : undefined) },
  clock: { accepts: 'a function () => ms since 1970 or undefined', valid: isFunction },
  core: { accepts: Object.keys(coreProfiles).map((p) => `'${p}'`).join(', '), valid: oneOf(...Object.keys(coreProfiles)), unset: 'full' },
};

const isTimeout = (v: unknown) => isMs(v) || (isObject(v) && Object.entries(v).every(([k, t]) => (k === 'connect' || k === 'read') && (t === undefined || isMs(t))));
const isBody = (v: unknown) => v === null || isString(v) || isBytes(v) || v instanceof ArrayBuffer || Symbol.asyncIterator in Object(v);

const REQUEST_RULES: { [K in Exclude<keyof RequestOptions, keyof ConnectionSettings>]-?: Rule } = {
  method: { accepts: 'a string such as "GET"', valid: (v) => isString(v) && v.length > 0 },
  headers: { accepts: 'an object of name: value, or [name, value] pairs (values strings or numbers)', valid: pairsOf(isHeaderValue) },
  params: { accepts: 'an object of name: value, or [name, value] pairs (values strings, numbers or booleans)', valid: pairsOf(isParamValue) },
  data: { accepts: 'a string, bytes, or an object of form fields', valid: (v) => isString(v) || isBytes(v) || pairsOf(isParamValue)(v) },
  json: { accepts: 'a value JSON.stringify can encode', valid: isJson },
  body: { accepts: 'a string, bytes, an ArrayBuffer, an async iterable or a Readable stream', valid: isBody },
  auth: { accepts: '[user, password] (two strings)', valid: (v) => Array.isArray(v) && v.length === 2 && v.every(isString) },
  timeout: { accepts: 'ms (1..2147483647), or { connect, read } of such', valid: isTimeout },
  signal: { accepts: 'an AbortSignal', valid: (v) => v instanceof AbortSignal },
  redirect: { accepts: 'how many redirects to follow (an integer >= 0), or false', valid: (v) => v === false || isCount(v, 0) },
  stream: { accepts: 'true or false', valid: isBool },
  proxy: { accepts: 'an http:// proxy URL (string or URL), or false', valid: (v) => v === false || ((isString(v) || v instanceof URL) && isProxyUrl(String(v))) },
  trustEnv: { accepts: 'true or false', valid: isBool },
  decompress: { accepts: 'true or false', valid: isBool },
  decodeLimits: {
    accepts: '{ maxBytes, maxRatio }, each a positive number',
    valid: (v) => isObject(v) && Object.entries(v).every(([k, n]) => (k === 'maxBytes' || k === 'maxRatio') && (n === undefined || isPositive(n))),
  },
};

const SESSION_RULES: { [K in Exclude<keyof SessionOptions, keyof RequestOptions>]-?: Rule } = {
  maxSockets: { accepts: 'an integer >= 1', valid: (v) => isCount(v, 1) },
  idleTimeout: { accepts: 'ms (1..2147483647)', valid: isMs },
  rateLimit: {
    accepts: '{ requests, per }: an integer >= 1 requests per a number of ms > 0',
    valid: (v) => isObject(v) && isCount(v.requests, 1) && typeof v.per === 'number' && v.per > 0 && Number.isFinite(v.per),
  },
  rateLimitClock: { accepts: '{ now(), sleep(ms) } (two functions)', valid: (v) => isObject(v) && isFunction(v.now) && isFunction(v.sleep) },
};

/** fetch's own init members; the browser-only ones mean nothing here and are ignored, as Node's fetch does. */
const ignoredInFetch: Rule = { accepts: 'anything (browser-only; ignored)', valid: () => true };
const FETCH_RULES: Record<string, Rule> = {
  method: REQUEST_RULES.method,
  headers: { accepts: 'a Headers, an object of name: value, or [name, value] pairs', valid: (v) => v instanceof Headers || pairsOf(isHeaderValue)(v) },
  body: {
    accepts: 'a string, bytes, ArrayBuffer, Blob, URLSearchParams, FormData or ReadableStream',
    valid: (v) => v === null || isString(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Blob
      || v instanceof URLSearchParams || v instanceof globalThis.FormData || v instanceof ReadableStream,
  },
  redirect: { accepts: '"follow", "manual" or "error"', valid: oneOf('follow', 'manual', 'error') },
  signal: { accepts: 'an AbortSignal or null', valid: (v) => v === null || v instanceof AbortSignal },
  session: { accepts: 'a microhttps Session', valid: (v) => isObject(v) && isFunction(v.request) },
  ...Object.fromEntries(['cache', 'credentials', 'integrity', 'keepalive', 'mode', 'priority', 'referrer', 'referrerPolicy', 'window', 'duplex']
    .map((name) => [name, ignoredInFetch])),
};

export type OptionRules = Readonly<Record<string, Rule>>;

const without = (rules: OptionRules, names: readonly string[]) => Object.fromEntries(Object.entries(rules).filter(([n]) => !names.includes(n)));

export const requestRules: OptionRules = { ...CONNECTION_RULES, ...REQUEST_RULES };
export const sessionRules: OptionRules = { ...CONNECTION_RULES, ...without(REQUEST_RULES, PER_REQUEST), ...SESSION_RULES };
/** fetch's own members (method, headers, body, redirect, signal) take fetch's types: its rows replace ours. */
export const fetchRules: OptionRules = { ...CONNECTION_RULES, ...REQUEST_RULES, ...FETCH_RULES };

/** The microhttps options of a fetch init: fetch's own members and the browser-only ones left out. */
export function microhttpsOptions(init: object): RequestOptions {
  return Object.fromEntries(Object.entries(init).filter(([name]) => Object.hasOwn(requestRules, name) && !Object.hasOwn(FETCH_RULES, name)));
}

/** The first option that breaks its rule (or is unknown), with a message naming it; undefined if all are good. */
export function optionProblem(options: unknown, rules: OptionRules): { name: string; message: string } | undefined {
  if (options === undefined) return undefined;
  if (!isObject(options)) return { name: '', message: `options must be an object, not ${show(options)}` };
  for (const name of Object.keys(options)) {
    const value = options[name];
    if (value === undefined) continue;
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (!rule) return { name, message: `unknown option ${name}; known: ${Object.keys(rules).join(', ')}` };
    if (!rule.valid(value)) {
      const why = rule.why?.(value);
      return { name, message: `${name} must be ${rule.accepts}, not ${show(value)}${why ? ` (${why})` : ''}` };
    }
  }
  return undefined;
}

/** Throws CONFIG naming the first bad option. */
export function checkOptions(options: unknown, rules: OptionRules): void {
  const problem = optionProblem(options, rules);
  if (problem) throw hostError('CONFIG', problem.message);
}

/** The connection settings' names: copied into each connection, and the pool key. */
export const CONNECTION_KEYS = Object.keys(CONNECTION_RULES) as (keyof ConnectionSettings)[];

/** A request's connection settings, copied through the one list of them. */
export function connectionSettings(options: ConnectionSettings): ConnectionSettings {
  return Object.fromEntries(CONNECTION_KEYS.map((key) => [key, options[key]]));
}

/** Equal for two requests exactly when their connection settings are; objects and functions count by identity (idOf). */
export function settingsKey(options: ConnectionSettings, idOf: (o: object) => number): string {
  return JSON.stringify(CONNECTION_KEYS.map((name) => {
    const rule: SettingRule = CONNECTION_RULES[name];
    const value = options[name] ?? rule.unset;
    if (value === undefined) return null;
    if (rule.key) return rule.key(value as never);
    if (typeof value === 'string') return textKey(value);
    return typeof value === 'object' || typeof value === 'function' ? idOf(value) : value;
  }));
}

/** Longest string setting the key holds as it is; a longer one (PEM text) is held as its digest. */
const KEY_TEXT_MAX = 64;

/** A string setting's part of the key: a PEM text (a CA bundle can be hundreds of KB) as its SHA-256,
 * an object, so it never equals a short string's part. */
function textKey(value: string): string | { sha256: string } {
  if (value.length <= KEY_TEXT_MAX) return value;
  return { sha256: createHash('sha256').update(value).digest('base64') };
}
