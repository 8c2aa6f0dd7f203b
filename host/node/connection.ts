// One connection = one core instance (pooled, coreLease.ts) + one socket, and
// the loop that drives them: it runs mh_step() and does what each event asks
// (send, receive, anchors), handing HTTP-level events to its caller.
import type { Socket } from 'node:net';
import { Event, OpenFlag, coreProfiles } from './generated/spec.js';
import { coreError, MicroHttpsError } from './errors.js';
import { writeRequestHead } from './requestHead.js';
import { SocketPump } from './socketPump.js';
import { giveBackCore, type Core } from './core.js';
import { CoreLease, type MemoryReport } from './coreLease.js';
import type { AnchorIndex } from './anchorIndex.js';
import { Headers } from './headers.js';
import { originKey, sessionTrust, rememberSession, forgetSession } from './sessions.js';
import { tlsFacts, type TlsFacts } from './tlsFacts.js';
import { tlsFailure } from './tlsErrors.js';
import { offeredSuites } from './suites.js';
import { anchorIndex } from './anchorCache.js';
import { setUpCore, offerSession } from './coreSetup.js';
import { addressesOf, connectFirst, withDeadline } from './dial.js';
import { openWithFragmentFallback } from './maxFragment.js';
import { openWithVersionFallback, versionFlags, sessionFor, type EngineChoice } from './tlsFallback.js';
import type { ConnectionSettings, Timeouts } from './options.js';

export type { TlsFacts } from './tlsFacts.js';

/** One connection's settings (resolve has become `lookup` by now) and where it goes. */
export interface ConnectionOptions extends Omit<ConnectionSettings, 'resolve'>, EngineChoice {
  host: string;
  port: number;
  tls: boolean;
  timeout: Timeouts;
  /** An already connected socket (e.g. a proxy tunnel): no DNS, no TCP connect. */
  socket?: Socket;
  /** With `socket`: opens another one like it (a TLS-1.2-only server is connected to again). */
  reopenSocket?: () => Promise<Socket>;
}

/** Where the time went while opening, in ms. */
export interface ConnectTimings {
  dns: number;
  connect: number;
  tls: number;
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
  readonly #lease: CoreLease;
  #parking: NodeJS.Immediate | undefined;
  #tlsInfo: TlsFacts | undefined;
  readonly options: ConnectionOptions;
  readonly #pump: SocketPump;
  readonly #anchors: AnchorIndex | undefined;
  #closed = false;
  timings: ConnectTimings = { dns: 0, connect: 0, tls: 0 };
  /** Longest wait for the server once connected, in ms (per request). */
  readTimeout: number;
  /** The TLS session after the handshake, as exported by the core. */
  #session: Uint8Array | undefined;
  /** Where sessions of this connection are kept (host, port, server name, what it was validated against). */
  readonly sessionOrigin: string;

  private constructor(core: Core, pump: SocketPump, options: ConnectionOptions, anchors: AnchorIndex | undefined) {
    this.#lease = new CoreLease(core);
    this.#pump = pump;
    this.#anchors = anchors;
    this.options = options;
    this.readTimeout = options.timeout.read;
    this.sessionOrigin = originKey(options, sessionTrust(anchors?.digest ?? 'plain', options.insecure === true, options.pin));
  }

  /** Resolves, connects and (for TLS) completes the handshake with full validation. */
  static open(options: ConnectionOptions): Promise<Connection> {
    return openWithFragmentFallback(options, (o) => openWithVersionFallback(o, (p) => Connection.#openOnce(p)));
  }

  static async #openOnce(options: ConnectionOptions): Promise<Connection> {
    const started = Date.now();
    const deadline = started + options.timeout.connect;
    // a trust store that cannot be loaded fails before any socket is opened
    const anchors = options.tls ? anchorIndex(options.ca) : undefined;
    const core = setUpCore(options);
    let socket = options.socket;
    let resolved = started;
    try {
      if (!socket) {
        const addresses = await withDeadline(addressesOf(options.host, options.lookup), deadline, 'dns');
        resolved = Date.now();
        socket = await withDeadline(connectFirst(addresses, options.port), deadline, 'connect');
      }
    } catch (err) {
      giveBackCore(core);
      throw err;
    }
    const connected = Date.now();
    const conn = new Connection(core, new SocketPump(socket), options, anchors);
    const origin = conn.sessionOrigin;
    const offered = sessionFor(options, origin);
    try {
      if (offered) offerSession(core, offered);
      const name = encoder.encode(options.servername ?? options.host);
      const flags = options.tls ? OpenFlag.TLS | OpenFlag.ANCHORS_ON_DEMAND | (options.insecure ? OpenFlag.INSECURE : 0) | versionFlags(options) : 0;
      if (options.tls && options.insecure) warnInsecure(options.servername ?? options.host);
      const code = core.x.mh_open(flags, core.putXfer(name));
      if (code !== 0) throw coreError(code, core.x.mh_error_detail(), `opening the connection to ${options.servername ?? options.host}`);
      await conn.next('tls', deadline - Date.now());
      conn.timings = { dns: resolved - started, connect: connected - resolved, tls: Date.now() - connected };
      if (options.tls) conn.#keepSession(offered);
      return conn;
    } catch (err) {
      // a session that did not lead to a connection is not offered again
      if (offered && options.session === undefined) forgetSession(origin);
      conn.destroy();
      throw err;
    }
  }

  /** Takes the newest session: TLS 1.3 tickets arrive after the handshake, so this runs again at the response head and when idle. */
  #keepSession(offered?: Uint8Array): void {
    const x = this.core.x;
    // a resumed connection keeps its session even when no newer one comes
    if (offered && x.mh_tls_resumed() === 1) this.#session = offered;
    const len = x.mh_session_export();
    if (len === 0) return;
    // compared in place: most calls find the session they already have, and copy nothing
    const exported = this.core.view(x.mh_xfer_ptr(), len);
    if (this.#session && Buffer.compare(exported, this.#session) === 0) return;
    const session = Uint8Array.from(exported);
    this.#session = session;
    if (this.options.sessionCache !== false) rememberSession(this.sessionOrigin, session);
  }

  /** The connection's core instance; a clear error once it serves another connection. */
  get core(): Core {
    return this.#lease.core;
  }

  /** The core's memory figures; after close, those it had when the connection ended. */
  memoryReport(): MemoryReport {
    return this.#lease.memoryReport();
  }

  /** Runs the core until it has an HTTP-level event; throws its error. */
  next(phase: string, timeoutMs = this.readTimeout): Promise<number> {
    return this.#lease.hold(() => this.#step(phase, timeoutMs));
  }

  async #step(phase: string, timeoutMs: number): Promise<number> {
    const x = this.core.x;
    for (;;) {
      const ev = x.mh_step();
      if (ev === Event.SEND) {
        // records in a row (a handshake flight) are written together
        this.#pump.hold();
        const draining = this.#sendPending(timeoutMs, phase);
        if (draining) await draining;
        continue;
      }
      if (ev === Event.RECV) {
        // the peer must see what we sent before we wait for its answer
        this.#pump.flush();
        const chunk = this.#pump.take(x.mh_recv_cap()) ?? await this.#readOrEnd(x.mh_recv_cap(), timeoutMs, phase);
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
        throw tlsFailure(x, coreError(x.mh_error_code(), x.mh_error_detail(), phase + hint), offeredSuites(this.options.suites, this.core.profile, this.options.tls13 === true));
      } else {
        return ev;
      }
    }
  }

  /** EV_SEND: sends what the core has for the network (copied: the window is reused); a promise only while the socket drains. */
  #sendPending(timeoutMs: number, phase: string): Promise<void> | undefined {
    const x = this.core.x;
    const out = Buffer.from(this.core.view(x.mh_send_ptr(), x.mh_send_len()));
    const draining = this.#pump.write(out, timeoutMs, phase);
    if (draining) return draining.then(() => { x.mh_send_ack(out.length); });
    x.mh_send_ack(out.length);
    return undefined;
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
  #readOrEnd(max: number, timeoutMs: number, phase: string): Promise<Buffer | null> {
    const reading = this.#pump.read(max, timeoutMs, phase);
    if (phase !== 'tls') return reading;
    return reading.catch((err) => {
      if (err instanceof MicroHttpsError && err.code === 'CLOSED') return null;
      throw err;
    });
  }

  /** Writes the request (head and body) and returns the first response event. */
  send(req: OutgoingRequest): Promise<number> {
    return this.#lease.hold(() => this.#send(req));
  }

  async #send(req: OutgoingRequest): Promise<number> {
    writeRequestHead(this.core, req);
    const body = req.body ?? null;
    if (body instanceof Uint8Array || body === null) return this.#sendBytes(body ?? new Uint8Array(0));
    return this.#sendStream(body);
  }

  /** A body of known length: Content-Length framing. */
  async #sendBytes(body: Uint8Array): Promise<number> {
    let offset = 0;
    for (;;) {
      const ev = await this.#step(offset === body.length ? 'head' : 'send', this.readTimeout);
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
      const ev = await this.#step(finished ? 'head' : 'send', this.readTimeout);
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
    // one read of the core's field index: 4 u32 per field (name ptr, name len, value ptr, value len),
    // and one Buffer over the memory to decode them all from
    const table = new Uint32Array(x.memory.buffer, x.mh_header_table_ptr(), count * 4);
    const memory = Buffer.from(x.memory.buffer);
    const latin1 = (ptr: number, len: number) => memory.toString('latin1', ptr, ptr + len);
    for (let i = 0; i < count * 4; i += 4) headers.append(latin1(table[i], table[i + 1]), latin1(table[i + 2], table[i + 3]));
    return headers;
  }

  /** A copy of the body bytes of the last EV_BODY. */
  bodyChunk(): Buffer {
    const x = this.core.x;
    return Buffer.from(this.core.view(x.mh_body_ptr(), x.mh_body_len()));
  }

  get keepAlive(): boolean {
    return !this.#closed && this.#pump.usable && this.core.x.mh_keep_alive() === 1;
  }

  /** What the handshake established: read once, as it cannot change (every response on this connection shares it). */
  get tlsInfo(): TlsFacts | undefined {
    if (!this.options.tls) return undefined;
    // at the response head: a ticket may have come since the handshake (a parked connection exported it before parking)
    if (!this.#closed && this.#lease.parkedBytes === 0) this.#keepSession();
    this.#tlsInfo ??= Object.freeze(tlsFacts(this.core.x, this.options.insecure === true, () => this.#session));
    return this.#tlsInfo;
  }

  /** Orderly close: TLS close_notify (best effort), then the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // a loop still running on the core (busy) owns it: no close_notify then
      await this.#lease.hold(async () => {
        if (this.options.tls && this.#pump.usable && this.#lease.busy === 1) {
          this.#keepSession();
          this.core.x.mh_close();
          while (this.core.x.mh_step() === Event.SEND) await this.#sendPending(CLOSE_NOTIFY_TIMEOUT, 'close');
        }
      });
    } catch {
      // the peer may already be gone: closing is still complete
    } finally {
      this.#pump.destroy();
      this.#lease.end();
    }
  }

  destroy(): void {
    this.#closed = true;
    this.#pump.destroy();
    this.#lease.end();
  }

  /** Fails what is pending with `error` (e.g. ABORTED, TIMEOUT) and closes. */
  abort(error: MicroHttpsError): void {
    this.#closed = true;
    this.#pump.abort(error);
    this.#lease.end(error);
  }

  /** Idle in a pool (not keeping the process alive) or busy. Idle, it parks once this
   * turn of the event loop is over (a request sent right away keeps its instance; no timer object stays). */
  setIdle(idle: boolean): void {
    if (idle && this.options.tls) this.#keepSession();
    this.#pump.setIdle(idle);
    clearImmediate(this.#parking);
    this.#parking = idle ? setImmediate(() => { this.#parking = undefined; this.#lease.park(); }).unref() : undefined;
  }

  /** Bytes an idle parked connection keeps of its core's state (0 while it holds an instance). */
  get parkedBytes(): number {
    return this.#lease.parkedBytes;
  }

  get usable(): boolean {
    return !this.#closed && this.#pump.usable;
  }
}

/** Skipping validation must never be quiet. */
function warnInsecure(host: string): void {
  process.emitWarning(`microhttps: certificate validation is OFF for ${host} (insecure: true); anyone on the path can read and change this traffic`, { code: 'MICROHTTPS_INSECURE', type: 'SecurityWarning' });
}
