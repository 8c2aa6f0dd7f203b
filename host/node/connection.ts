// One connection = one core instance + one socket. This is the host's half of
// the sans-IO contract: it runs mh_step() and does what each event asks
// (send, receive), handing the HTTP-level events to its caller.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Core, type WallClock } from './core.js';
import { Event, OpenFlag, BodyKind, limitSpecs, PeerLimit, Mem, coreProfiles, type CoreProfile } from './generated/spec.js';
import { coreError, hostError, MicroHttpsError } from './errors.js';
import { SocketPump } from './socketPump.js';
import {
  trustAnchors, pinHashes, clientIdentity, peerCertificates, tlsFailure, versionName, suiteName,
  type CaInput, type PemInput, type PeerCertificate,
} from './trust.js';
import { AnchorIndex } from './anchorIndex.js';
import { Headers } from './headers.js';
import { originKey, cachedSession, rememberSession, forgetSession } from './sessions.js';
import { versionRange, tryTls13, rememberTls12, forgetTls12, withClientCertificate, type TlsVersion } from './tlsVersions.js';

export type Limits = Partial<Record<string, number>>;

export interface Timeouts {
  /** DNS lookup + TCP connect + TLS handshake, in ms. */
  connect: number;
  /** Longest wait for any bytes from the server once connected, in ms. */
  read: number;
}

/** Resolves a host name: one address or several (tried in order). */
export type LookupFunction = (hostname: string) => Promise<{ address: string; family?: number } | { address: string; family?: number }[]>;

export interface ConnectionOptions {
  host: string;
  port: number;
  tls: boolean;
  /** Name for SNI and the certificate check (default: host). */
  servername?: string;
  ca?: CaInput;
  timeout: Timeouts;
  limits?: Limits;
  /** TLS Maximum Fragment Length to negotiate (RFC 6066): 512, 1024, 2048 or 4096. */
  maxFragment?: number;
  /** An exported TLS session to offer (default: the one kept for this origin). */
  session?: Uint8Array;
  /** Keep and offer sessions per origin (default true). */
  sessionCache?: boolean;
  clock?: WallClock;
  /** Which build of the core to run (default 'full'). */
  core?: CoreProfile;
  lookup?: LookupFunction;
  /** An already connected socket (e.g. a proxy tunnel): no DNS, no TCP connect. */
  socket?: Socket;
  /** With `socket`: opens another one like it (a TLS-1.2-only server is connected to again). */
  reopenSocket?: () => Promise<Socket>;
  /** Lowest and highest TLS version to speak (default '1.2' and '1.3'). */
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** Public key pins, "sha256/<base64>" each: one must match a key of the validated chain. */
  pin?: string | readonly string[];
  /** Skip certificate validation (chain, dates, name). Loud: a process warning and response.tls.insecure. */
  insecure?: boolean;
  /** Client certificate chain (PEM, leaf first) and its private key (PEM) for mutual TLS. */
  cert?: PemInput;
  key?: PemInput;
}

/** Where the time went while opening, in ms. */
export interface ConnectTimings {
  dns: number;
  connect: number;
  tls: number;
}

/** What the handshake established (response.tls). */
export interface TlsFacts {
  version: string;
  cipher: string;
  /** present and true only when validation was skipped on request */
  insecure?: true;
  /** the server's chain as sent, leaf first (at most PeerLimit.MAX_CERTS certificates) */
  peerCertificates: PeerCertificate[];
  /** the leaf's SPKI sha256 as a ready-made pin: "sha256/<base64>" */
  leafSpkiSha256: string;
  /** whether the handshake resumed a session (no certificates were sent then) */
  resumed: boolean;
  /** the negotiated Maximum Fragment Length, when one was */
  maxFragment?: number;
  /** the session, to offer again later (`session` option); not enumerable: it holds the master secret */
  readonly session?: Uint8Array;
}

export interface ResponseHead {
  status: number;
  reason: string;
  httpVersion: string;
  headers: Headers;
}

export interface OutgoingRequest {
  method: string;
  target: string;
  host: string;
  headers: Iterable<[string, string]>;
  /** Bytes (sent with Content-Length) or a stream of chunks (sent chunked). */
  body?: Uint8Array | AsyncIterable<Uint8Array> | null;
}

const encoder = new TextEncoder();
/** How long an orderly close waits to hand over the TLS close_notify. */
const CLOSE_NOTIFY_TIMEOUT = 1000;

export class Connection {
  readonly core: Core;
  readonly options: ConnectionOptions;
  readonly #pump: SocketPump;
  readonly #anchors: AnchorIndex | undefined;
  #closed = false;
  timings: ConnectTimings = { dns: 0, connect: 0, tls: 0 };
  /** Longest wait for the server once connected, in ms (per request). */
  readTimeout: number;
  /** The TLS session after the handshake, as exported by the core. */
  #session: Uint8Array | undefined;
  /** Where sessions of this connection are kept (host, port, server name, trust). */
  #origin = '';
  /** Opened with the TLS 1.3 engine. */
  #tls13 = false;

  private constructor(core: Core, pump: SocketPump, options: ConnectionOptions, anchors: AnchorIndex | undefined) {
    this.core = core;
    this.#pump = pump;
    this.#anchors = anchors;
    this.options = options;
    this.readTimeout = options.timeout.read;
  }

  /** Resolves, connects and (for TLS) completes the handshake with full validation. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const conn = await Connection.#openVersioned(options);
    if (!maxFragmentRefused(conn)) return conn;
    // The server did not accept max_fragment_length, so it may send records
    // larger than the small buffer. Nothing was sent yet: connecting again
    // is safe for every request.
    const resumed = conn.core.x.mh_tls_resumed() === 1;   // read before close ends the session
    await conn.close();
    if (options.socket) {
      throw hostError('TLS_HANDSHAKE', 'the server did not accept maxFragment, and a proxy tunnel cannot be opened again here: retry without maxFragment');
    }
    if (resumed) {
      // OpenSSL leaves MFL out when it resumes a session made without it:
      // a full handshake can still negotiate it.
      forgetSession(conn.#origin);
      const fresh = await Connection.#openOnce({ ...options, session: undefined }, conn.#tls13);
      if (!maxFragmentRefused(fresh)) return fresh;
      await fresh.close();
    }
    return Connection.#openOnce({ ...options, maxFragment: undefined }, conn.#tls13);
  }

  /** TLS 1.3 first when allowed; a server that answers with TLS 1.2 is
   * connected to again with TLS 1.2 (when allowed) and remembered. */
  static async #openVersioned(options: ConnectionOptions): Promise<Connection> {
    if (!options.tls) return Connection.#openOnce(options, false);
    let range = versionRange(options.minVersion, options.maxVersion);
    if (options.cert !== undefined || options.key !== undefined) range = withClientCertificate(range);
    const origin = originKey(options.host, options.port, options.servername ?? options.host, 'versions');
    const tls12Session = options.session !== undefined || (options.sessionCache !== false && cachedSessionFor(options) !== undefined);
    // The sentinel is checked where TLS 1.2 follows a refusal of TLS 1.3 (an
    // attacker can fake one); resuming a TLS 1.2 session is our own choice.
    const checked = { ...options, downgradeCheck: range.max === '1.3' && !tls12Session };
    if (!tryTls13(range, origin, tls12Session)) return Connection.#openTls12(checked, origin);
    try {
      return await Connection.#openOnce(options, true);
    } catch (err) {
      if (!(err instanceof MicroHttpsError) || err.reason !== 'SERVER_TLS12' || range.min === '1.3') throw err;
      if (options.socket && !options.reopenSocket) throw err;
      rememberTls12(origin);
      const socket = options.socket ? await options.reopenSocket!() : undefined;
      return Connection.#openTls12({ ...checked, downgradeCheck: true, socket }, origin);
    }
  }

  /** TLS 1.2; when TLS 1.3 was acceptable too, a downgraded server is refused and the origin tried with TLS 1.3 next time. */
  static async #openTls12(options: ConnectionOptions & { downgradeCheck: boolean }, origin: string): Promise<Connection> {
    try {
      return await Connection.#openOnce(options, false);
    } catch (err) {
      if (err instanceof MicroHttpsError && err.reason === 'DOWNGRADE') forgetTls12(origin);
      throw err;
    }
  }

  static async #openOnce(options: ConnectionOptions & { downgradeCheck?: boolean }, tls13: boolean): Promise<Connection> {
    const started = Date.now();
    const deadline = started + options.timeout.connect;
    // a trust store that cannot be loaded fails before any socket is opened
    const anchors = options.tls ? anchorIndex(options.ca) : undefined;
    const core = setUpCore(options);
    let socket = options.socket;
    let resolved = started;
    if (!socket) {
      const addresses = await withDeadline(resolve(options), deadline, 'dns');
      resolved = Date.now();
      socket = await withDeadline(connectFirst(addresses, options.port), deadline, 'connect');
    }
    const connected = Date.now();
    const conn = new Connection(core, new SocketPump(socket), options, anchors);
    conn.#tls13 = tls13;
    const origin = originKey(options.host, options.port, options.servername ?? options.host, anchors?.digest ?? 'plain');
    conn.#origin = origin;
    const offered = options.tls ? options.session ?? (options.sessionCache === false ? undefined : cachedSession(origin)) : undefined;
    try {
      if (offered) offerSession(core, offered);
      const name = encoder.encode(options.servername ?? options.host);
      const flags = options.tls ? OpenFlag.TLS | OpenFlag.ANCHORS_ON_DEMAND | (options.insecure ? OpenFlag.INSECURE : 0) | (tls13 ? OpenFlag.TLS13 : 0) | (options.downgradeCheck ? OpenFlag.DOWNGRADE_CHECK : 0) : 0;
      if (options.tls && options.insecure) warnInsecure(options.servername ?? options.host);
      const code = core.x.mh_open(flags, core.putXfer(name));
      if (code !== 0) throw coreError(code, core.x.mh_error_detail(), `opening the connection to ${options.servername ?? options.host}`);
      await conn.next('tls', deadline - Date.now());
      conn.timings = { dns: resolved - started, connect: connected - resolved, tls: Date.now() - connected };
      if (options.tls) conn.#keepSession(origin);
      return conn;
    } catch (err) {
      // a session that did not lead to a connection is not offered again
      if (offered && options.session === undefined) forgetSession(origin);
      conn.destroy();
      throw err;
    }
  }

  #keepSession(origin: string): void {
    const x = this.core.x;
    const len = x.mh_session_export();
    if (len === 0) return;
    this.#session = Uint8Array.from(this.core.view(x.mh_xfer_ptr(), len));
    if (this.options.sessionCache !== false) rememberSession(origin, this.#session);
  }

  /** Runs the core until it has an HTTP-level event; throws its error. */
  async next(phase: string, timeoutMs = this.readTimeout): Promise<number> {
    const x = this.core.x;
    for (;;) {
      const ev = x.mh_step();
      if (ev === Event.SEND) {
        // records in a row (a handshake flight) are written together
        this.#pump.hold();
        await this.#sendPending(timeoutMs, phase);
        continue;
      }
      if (ev === Event.RECV) {
        // the peer must see what we sent before we wait for its answer
        this.#pump.flush();
        const chunk = await this.#readOrEnd(x.mh_recv_cap(), timeoutMs, phase);
        if (chunk === null) x.mh_recv_eof();
        else {
          this.core.view(x.mh_recv_ptr(), chunk.length).set(chunk);
          x.mh_recv_commit(chunk.length);
        }
        continue;
      }
      // anything else: what the caller sends next in this turn joins the held records
      this.#pump.flushSoon();
      if (ev === Event.NEED_ANCHOR) {
        this.#answerAnchorQuery();
      } else if (ev === Event.ERROR) {
        // a build with fewer suites and curves says so: the cure may be another core
        const profile = coreProfiles[this.core.profile];
        const hint = profile.tlsLeftOut.length === 0 ? '' : `; the '${this.core.profile}' core: ${profile.doc}`;
        throw tlsFailure(x, coreError(x.mh_error_code(), x.mh_error_detail(), phase + hint));
      } else {
        return ev;
      }
    }
  }

  /** EV_SEND: sends what the core has for the network (copied: the window is reused). */
  async #sendPending(timeoutMs: number, phase: string): Promise<void> {
    const x = this.core.x;
    const out = Buffer.from(this.core.view(x.mh_send_ptr(), x.mh_send_len()));
    await this.#pump.write(out, timeoutMs, phase);
    x.mh_send_ack(out.length);
  }

  /** The core met an issuer: hand it the anchors whose subject matches, if any. */
  #answerAnchorQuery(): void {
    const x = this.core.x;
    const issuer = Buffer.from(this.core.view(x.mh_anchor_query_ptr(), 32));
    for (const der of this.#anchors?.lookup(issuer) ?? []) {
      if (der.length > x.mh_xfer_cap()) continue; // larger than any anchor we can load
      const code = x.mh_anchor_add(this.core.putXfer(der));
      if (code !== 0) throw coreError(code, x.mh_call_detail(), 'loading a trust anchor (raise the trustStoreBytes limit?)');
    }
    x.mh_anchor_resume();
  }

  /** During the handshake a reset counts as end of stream, so the core can say why the server hung up (e.g. our client certificate). */
  async #readOrEnd(max: number, timeoutMs: number, phase: string): Promise<Buffer | null> {
    try {
      return await this.#pump.read(max, timeoutMs, phase);
    } catch (err) {
      if (phase === 'tls' && err instanceof MicroHttpsError && err.code === 'CLOSED') return null;
      throw err;
    }
  }

  /** Writes the request (head and body) and returns the first response event. */
  async send(req: OutgoingRequest): Promise<number> {
    this.#writeHead(req);
    const body = req.body ?? null;
    if (body instanceof Uint8Array || body === null) return this.#sendBytes(body ?? new Uint8Array(0));
    return this.#sendStream(body);
  }

  #writeHead(req: OutgoingRequest): void {
    const x = this.core.x;
    const method = encoder.encode(req.method);
    const target = encoder.encode(req.target);
    const host = encoder.encode(req.host);
    if (method.length + target.length + host.length > x.mh_xfer_cap()) throw hostError('REQUEST_INVALID', 'request target is too long');
    this.core.putXfer(host, this.core.putXfer(target, this.core.putXfer(method)));
    this.#check(x.mh_request_start(method.length, target.length, host.length));
    for (const [name, value] of req.headers) {
      const n = encoder.encode(name);
      const v = encoder.encode(value);
      if (n.length + v.length > x.mh_xfer_cap()) throw hostError('REQUEST_INVALID', `header ${name} is too long`);
      this.core.putXfer(v, this.core.putXfer(n));
      this.#check(x.mh_request_header(n.length, v.length));
    }
    const body = req.body ?? null;
    const length = body instanceof Uint8Array ? body.length : 0;
    const kind = body === null || body instanceof Uint8Array ? (length > 0 ? BodyKind.LENGTH : BodyKind.NONE) : BodyKind.CHUNKED;
    this.#check(x.mh_request_end(kind, length >>> 0, Math.floor(length / 2 ** 32)));
  }

  /** A body of known length: Content-Length framing. */
  async #sendBytes(body: Uint8Array): Promise<number> {
    let offset = 0;
    for (;;) {
      const ev = await this.next(offset === body.length ? 'head' : 'send');
      if (ev !== Event.WRITE_BODY) return ev;
      if (offset === body.length) this.#check(this.core.x.mh_body_end());
      else offset += this.#writeBodyPiece(body.subarray(offset));
    }
  }

  /** A body of unknown length: chunked framing, pulled from the source as the core has room. */
  async #sendStream(source: AsyncIterable<Uint8Array>): Promise<number> {
    const chunks = source[Symbol.asyncIterator]();
    let current: Uint8Array | null = null;
    let finished = false;
    for (;;) {
      const ev = await this.next(finished ? 'head' : 'send');
      if (ev !== Event.WRITE_BODY) return ev;
      while (current === null || current.length === 0) {
        const next = await chunks.next();
        if (next.done) break;
        current = typeof next.value === 'string' ? encoder.encode(next.value) : next.value;
      }
      if (current === null || current.length === 0) {
        finished = true;
        this.#check(this.core.x.mh_body_end());
      } else {
        current = current.subarray(this.#writeBodyPiece(current));
      }
    }
  }

  /** Offers body bytes to the core through the transfer window; returns how many it took. */
  #writeBodyPiece(bytes: Uint8Array): number {
    const x = this.core.x;
    const piece = bytes.subarray(0, x.mh_xfer_cap());
    this.core.putXfer(piece);
    const taken = x.mh_body_write(piece.length);
    if (taken < 0) throw coreError(x.mh_error_code(), x.mh_error_detail(), 'sending the body');
    return taken;
  }

  #check(code: number): void {
    if (code !== 0) throw coreError(code, this.core.x.mh_call_detail());
  }

  /** The response head the core just reported (EV_HEAD). */
  head(): ResponseHead {
    const x = this.core.x;
    return {
      status: x.mh_status(),
      reason: this.core.text(x.mh_reason_ptr(), x.mh_reason_len()),
      httpVersion: `1.${x.mh_version_minor()}`,
      headers: this.fields(),
    };
  }

  /** Header or trailer fields now in the core, decoded as latin1 (bytes preserved). */
  fields(): Headers {
    const x = this.core.x;
    const headers = new Headers();
    const count = x.mh_header_count();
    // one read of the core's field index: 4 u32 per field (name ptr, name len, value ptr, value len)
    const table = new Uint32Array(x.memory.buffer, x.mh_header_table_ptr(), count * 4);
    for (let i = 0; i < count * 4; i += 4) {
      headers.append(this.core.text(table[i], table[i + 1]), this.core.text(table[i + 2], table[i + 3]));
    }
    return headers;
  }

  /** A copy of the body bytes of the last EV_BODY. */
  bodyChunk(): Buffer {
    const x = this.core.x;
    return Buffer.from(this.core.view(x.mh_body_ptr(), x.mh_body_len()));
  }

  get keepAlive(): boolean {
    return this.core.x.mh_keep_alive() === 1 && this.#pump.usable && !this.#closed;
  }

  get tlsInfo(): TlsFacts | undefined {
    if (!this.options.tls) return undefined;
    const x = this.core.x;
    const chain = peerCertificates(x);
    const info: TlsFacts = {
      version: versionName(x.mh_tls_version()),
      cipher: suiteName(x.mh_tls_suite()),
      ...(this.options.insecure ? { insecure: true as const } : {}),
      resumed: x.mh_tls_resumed() === 1,
      ...(x.mh_tls_max_fragment() ? { maxFragment: x.mh_tls_max_fragment() } : {}),
      peerCertificates: chain,
      leafSpkiSha256: chain[0]?.spkiSha256 ?? '',
    };
    // not enumerable: the master secret must not end up in logs of res.tls
    Object.defineProperty(info, 'session', { value: this.#session, enumerable: false });
    return info;
  }

  /** Orderly close: TLS close_notify (best effort), then the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.options.tls && this.#pump.usable) {
        this.core.x.mh_close();
        while (this.core.x.mh_step() === Event.SEND) await this.#sendPending(CLOSE_NOTIFY_TIMEOUT, 'close');
      }
    } catch {
      // the peer may already be gone: closing is still complete
    } finally {
      this.#pump.destroy();
    }
  }

  destroy(): void {
    this.#closed = true;
    this.#pump.destroy();
  }

  /** Fails what is pending with `error` (e.g. ABORTED, TIMEOUT) and closes. */
  abort(error: MicroHttpsError): void {
    this.#closed = true;
    this.#pump.abort(error);
  }

  /** Marks the connection idle in a pool (it must not keep the process alive) or busy. */
  setIdle(idle: boolean): void {
    this.#pump.setIdle(idle);
  }

  get usable(): boolean {
    return !this.#closed && this.#pump.usable;
  }
}

/** MFL was offered and the server's hello did not accept it. */
function maxFragmentRefused(conn: Connection): boolean {
  return conn.options.tls && conn.options.maxFragment !== undefined && conn.core.x.mh_tls_max_fragment() === 0;
}

/** Gives the core an exported session to offer at mh_open. */
function offerSession(core: Core, session: Uint8Array): void {
  if (session.length > core.x.mh_xfer_cap()) throw hostError('CONFIG', 'session: not a session exported by microhttps (too long)');
  const code = core.x.mh_session_import(core.putXfer(session));
  if (code !== 0) throw coreError(code, 0, `session: not a session exported by this version of microhttps (${session.length} bytes)`);
}

function setUpCore(options: ConnectionOptions): Core {
  const core = new Core(options.clock, options.core);
  const x = core.x;
  const limits = { ...options.limits, ...(options.maxFragment === undefined ? {} : { maxFragmentBytes: options.maxFragment }) };
  for (const [name, value] of Object.entries(limits)) {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) throw hostError('CONFIG', `unknown limit ${name}; known: ${limitSpecs.map((l) => l.name).join(', ')}`);
    if (value === undefined) continue;
    if (x.mh_limit_set(spec.id, value) !== 0) {
      throw hostError('CONFIG', `limit ${name}=${value} is outside ${spec.min}..${spec.max}`);
    }
  }
  const identity = options.tls && (options.cert !== undefined || options.key !== undefined) ? clientIdentityOf(options) : undefined;
  if (identity && !coreProfiles[core.profile].clientCertificates) {
    throw hostError('CONFIG', `the '${core.profile}' core is built without client certificates (mutual TLS); use core: 'full' or 'portable'`);
  }
  if (identity && options.limits?.clientCertBytes === undefined) {
    x.mh_limit_set(limitSpecs.find((l) => l.name === 'clientCertBytes')!.id, identity.certs.reduce((n, c) => n + c.length, 0));
  }
  const code = x.mh_init();
  if (code !== 0) throw coreError(code, 0, `mh_init: the limits do not fit in the ${x.mh_mem(Mem.ARENA_SIZE)}-byte arena of the '${core.profile}' core${limits.maxFragmentBytes ? ', or maxFragment is not 512, 1024, 2048 or 4096' : ''}`);
  if (options.tls) {
    if (options.pin !== undefined) loadPins(core, options.pin);
    if (identity) loadClientIdentity(core, identity);
  }
  return core;
}

function clientIdentityOf(options: ConnectionOptions): { certs: Uint8Array[]; key: Uint8Array } {
  if (options.cert === undefined || options.key === undefined) throw hostError('CONFIG', 'cert and key must be given together');
  try {
    return clientIdentity(options.cert, options.key);
  } catch (err) {
    throw hostError('CONFIG', (err as Error).message, err);
  }
}

function loadPins(core: Core, pin: string | readonly string[]): void {
  let hashes: Uint8Array[];
  try {
    hashes = pinHashes(pin);
  } catch (err) {
    throw hostError('CONFIG', (err as Error).message, err);
  }
  for (const hash of hashes) {
    core.putXfer(hash);
    if (core.x.mh_pin_add() !== 0) throw hostError('CONFIG', `more than ${PeerLimit.MAX_PINS} pins`);
  }
}

function loadClientIdentity(core: Core, identity: { certs: Uint8Array[]; key: Uint8Array }): void {
  const x = core.x;
  for (const [i, der] of identity.certs.entries()) {
    if (der.length > x.mh_xfer_cap() || x.mh_client_cert_add(core.putXfer(der)) !== 0) {
      throw hostError('CONFIG', `client certificate #${i} does not fit (at most ${PeerLimit.MAX_CLIENT_CERTS} certificates within the clientCertBytes limit)`);
    }
  }
  if (identity.key.length > x.mh_xfer_cap() || x.mh_client_key_set(core.putXfer(identity.key)) !== 0) {
    throw hostError('CONFIG', `key is not an RSA key of 2048 bits or more, nor an EC key on P-256 or P-384 (BearSSL decoder error ${x.mh_call_detail()})`);
  }
}

/** Skipping validation must never be quiet. */
function warnInsecure(host: string): void {
  process.emitWarning(`microhttps: certificate validation is OFF for ${host} (insecure: true); anyone on the path can read and change this traffic`, { code: 'MICROHTTPS_INSECURE', type: 'SecurityWarning' });
}

// One index per trust setting, built at its first connection: the default
// store once per process, a caller's ca once per value (a PEM string) or object.
let defaultIndex: AnchorIndex | undefined;
const indexByObject = new WeakMap<object, AnchorIndex>();
const indexByPem = new Map<string, AnchorIndex>();
/** PEM strings whose index is kept (oldest dropped first). */
const PEM_INDEXES = 32;

/** The session kept for this connection's origin, if any (sessions are per trust store too). */
function cachedSessionFor(options: ConnectionOptions): Uint8Array | undefined {
  return cachedSession(originKey(options.host, options.port, options.servername ?? options.host, anchorIndex(options.ca).digest));
}

function anchorIndex(ca: CaInput | undefined): AnchorIndex {
  if (ca === undefined) return (defaultIndex ??= new AnchorIndex(trustAnchors()));
  if (typeof ca !== 'string') {
    let index = indexByObject.get(ca);
    if (!index) indexByObject.set(ca, (index = new AnchorIndex(trustAnchors(ca))));
    return index;
  }
  let index = indexByPem.get(ca);
  if (!index) {
    indexByPem.set(ca, (index = new AnchorIndex(trustAnchors(ca))));
    if (indexByPem.size > PEM_INDEXES) indexByPem.delete(indexByPem.keys().next().value as string);
  }
  return index;
}

async function resolve(options: ConnectionOptions): Promise<string[]> {
  const host = options.host.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [host];
  try {
    const lookup = options.lookup ?? ((h: string) => dnsLookup(h, { all: true }));
    const result = await lookup(host);
    const list = (Array.isArray(result) ? result : [result]).map((r) => r.address);
    if (list.length === 0) throw hostError('DNS', `${host}: no address`);
    return list;
  } catch (err) {
    if (err instanceof MicroHttpsError) throw err;
    throw hostError('DNS', `${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
}

/** Tries each address in order (IPv4 and IPv6 alike); the first that connects wins. */
async function connectFirst(addresses: string[], port: number): Promise<Socket & { destroy(): Socket }> {
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
async function withDeadline<T extends { destroy?: () => void } | string[]>(promise: Promise<T>, deadline: number, phase: string): Promise<T> {
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
