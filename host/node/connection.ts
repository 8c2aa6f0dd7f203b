// One connection = one core instance + one socket. This is the host's half of
// the sans-IO contract: it runs mh_step() and does what each event asks
// (send, receive), handing the HTTP-level events to its caller.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Core, type WallClock } from './core.js';
import { Event, OpenFlag, BodyKind, limitSpecs } from './generated/spec.js';
import { coreError, hostError, MicroHttpsError } from './errors.js';
import { SocketPump } from './socketPump.js';
import { trustAnchors, type CaInput } from './trust.js';
import { Headers } from './headers.js';
import type { TlsInfo } from './response.js';
import { originKey, cachedSession, rememberSession, forgetSession } from './sessions.js';

export type LimitName = (typeof limitSpecs)[number]['name'];
export type Limits = Partial<Record<string, number>>;

export interface Timeouts {
  /** DNS lookup + TCP connect + TLS handshake, in ms. */
  connect: number;
  /** Longest wait for any bytes from the server once connected, in ms. */
  read: number;
}

export type LookupFunction = (hostname: string) => Promise<{ address: string; family?: number }>;

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
  lookup?: LookupFunction;
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
  body?: Uint8Array | null;
}

const encoder = new TextEncoder();
const TLS_VERSIONS: Record<number, string> = { 0x0303: 'TLSv1.2' };
const SUITES: Record<number, string> = {
  0xcca9: 'ECDHE-ECDSA-CHACHA20-POLY1305', 0xcca8: 'ECDHE-RSA-CHACHA20-POLY1305',
  0xc02b: 'ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02f: 'ECDHE-RSA-AES128-GCM-SHA256',
  0xc02c: 'ECDHE-ECDSA-AES256-GCM-SHA384', 0xc030: 'ECDHE-RSA-AES256-GCM-SHA384',
};

export class Connection {
  readonly core: Core;
  readonly options: ConnectionOptions;
  readonly #pump: SocketPump;
  #closed = false;
  /** The TLS session after the handshake, as exported by the core. */
  #session: Uint8Array | undefined;
  /** Where sessions of this connection are kept (host, port, server name, trust). */
  #origin = '';

  private constructor(core: Core, pump: SocketPump, options: ConnectionOptions) {
    this.core = core;
    this.#pump = pump;
    this.options = options;
  }

  /** Resolves, connects and (for TLS) completes the handshake with full validation. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const conn = await Connection.#openOnce(options);
    if (!maxFragmentRefused(conn)) return conn;
    // The server did not accept max_fragment_length, so it may send records
    // larger than the small buffer. Nothing was sent yet: connecting again
    // is safe for every request.
    const resumed = conn.core.x.mh_tls_resumed() === 1;   // read before close ends the session
    await conn.close();
    if (resumed) {
      // OpenSSL leaves MFL out when it resumes a session made without it:
      // a full handshake can still negotiate it.
      forgetSession(conn.#origin);
      const fresh = await Connection.#openOnce({ ...options, session: undefined });
      if (!maxFragmentRefused(fresh)) return fresh;
      await fresh.close();
    }
    return Connection.#openOnce({ ...options, maxFragment: undefined });
  }

  static async #openOnce(options: ConnectionOptions): Promise<Connection> {
    const deadline = Date.now() + options.timeout.connect;
    const core = setUpCore(options);
    const address = await withDeadline(resolve(options), deadline, 'dns');
    const socket = await withDeadline(tcpConnect(address, options.port), deadline, 'connect');
    const conn = new Connection(core, new SocketPump(socket), options);
    const origin = originKey(options.host, options.port, options.servername ?? options.host, options.ca);
    conn.#origin = origin;
    const offered = options.tls ? options.session ?? (options.sessionCache === false ? undefined : cachedSession(origin)) : undefined;
    try {
      if (offered) offerSession(core, offered);
      const name = encoder.encode(options.servername ?? options.host);
      const flags = options.tls ? OpenFlag.TLS : 0;
      const code = core.x.mh_open(flags, core.putXfer(name));
      if (code !== 0) throw coreError(code, core.x.mh_error_detail(), 'opening the connection');
      await conn.next('tls', deadline - Date.now());
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
  async next(phase: string, timeoutMs = this.options.timeout.read): Promise<number> {
    const x = this.core.x;
    for (;;) {
      const ev = x.mh_step();
      if (ev === Event.SEND) {
        const out = Buffer.from(this.core.view(x.mh_send_ptr(), x.mh_send_len()));
        await this.#pump.write(out, timeoutMs, phase);
        x.mh_send_ack(out.length);
      } else if (ev === Event.RECV) {
        const chunk = await this.#pump.read(x.mh_recv_cap(), timeoutMs, phase);
        if (chunk === null) x.mh_recv_eof();
        else {
          this.core.view(x.mh_recv_ptr(), chunk.length).set(chunk);
          x.mh_recv_commit(chunk.length);
        }
      } else if (ev === Event.ERROR) {
        throw coreError(x.mh_error_code(), x.mh_error_detail(), phase);
      } else {
        return ev;
      }
    }
  }

  /** Writes the request (head and body) and returns the first response event. */
  async send(req: OutgoingRequest): Promise<number> {
    const x = this.core.x;
    const method = encoder.encode(req.method);
    const target = encoder.encode(req.target);
    let end = this.core.putXfer(method);
    end = this.core.putXfer(target, end);
    const host = encoder.encode(req.host);
    this.core.putXfer(host, end);
    this.#check(x.mh_request_start(method.length, target.length, host.length));
    for (const [name, value] of req.headers) {
      const n = encoder.encode(name);
      const v = encoder.encode(value);
      if (n.length + v.length > x.mh_xfer_cap()) throw hostError('REQUEST_INVALID', `header ${name} is too long`);
      this.core.putXfer(v, this.core.putXfer(n));
      this.#check(x.mh_request_header(n.length, v.length));
    }
    const body = req.body ?? null;
    const kind = body && body.length > 0 ? BodyKind.LENGTH : BodyKind.NONE;
    const length = body?.length ?? 0;
    this.#check(x.mh_request_end(kind, length >>> 0, Math.floor(length / 2 ** 32)));
    let offset = 0;
    for (;;) {
      const ev = await this.next('send');
      if (ev !== Event.WRITE_BODY) return ev;
      if (offset === length) {
        this.#check(x.mh_body_end());
        continue;
      }
      const piece = body!.subarray(offset, offset + x.mh_xfer_cap());
      this.core.putXfer(piece);
      const taken = x.mh_body_write(piece.length);
      if (taken < 0) throw coreError(x.mh_error_code(), x.mh_error_detail(), 'sending the body');
      offset += taken;
    }
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
    for (let i = 0, n = x.mh_header_count(); i < n; i++) {
      headers.append(
        this.core.text(x.mh_header_name_ptr(i), x.mh_header_name_len(i)),
        this.core.text(x.mh_header_value_ptr(i), x.mh_header_value_len(i)));
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

  get tlsInfo(): TlsInfo | undefined {
    if (!this.options.tls) return undefined;
    const x = this.core.x;
    const suite = x.mh_tls_suite();
    const info: TlsInfo = {
      version: TLS_VERSIONS[x.mh_tls_version()] ?? `0x${x.mh_tls_version().toString(16)}`, cipher: SUITES[suite] ?? `0x${suite.toString(16)}`,
      resumed: x.mh_tls_resumed() === 1,
      ...(x.mh_tls_max_fragment() ? { maxFragment: x.mh_tls_max_fragment() } : {}),
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
        while (this.core.x.mh_step() === Event.SEND) {
          const x = this.core.x;
          await this.#pump.write(Buffer.from(this.core.view(x.mh_send_ptr(), x.mh_send_len())), 1000, 'close');
          x.mh_send_ack(x.mh_send_len());
        }
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
  const core = new Core(options.clock);
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
  const code = x.mh_init();
  if (code !== 0) throw coreError(code, 0, `mh_init: the limits do not fit in the core's arena${limits.maxFragmentBytes ? ', or maxFragment is not 512, 1024, 2048 or 4096' : ''}`);
  if (options.tls) loadAnchors(core, options.ca);
  return core;
}

function loadAnchors(core: Core, ca: CaInput | undefined): void {
  const x = core.x;
  const anchors = trustAnchors(ca);
  for (const [i, der] of anchors.entries()) {
    if (der.length > x.mh_xfer_cap()) throw hostError('CONFIG', `trust anchor #${i} is larger than the transfer window`);
    const code = x.mh_anchor_add(core.putXfer(der));
    // Node's store may hold a root whose key type BearSSL does not know:
    // skipping it loses nothing we could validate. A caller's ca must load.
    if (code !== 0 && ca !== undefined) {
      throw coreError(code, x.mh_call_detail(), `trust anchor #${i} in ca could not be loaded (BearSSL decoder error ${x.mh_call_detail()}; or trustStoreBytes is too small)`);
    }
  }
}

async function resolve(options: ConnectionOptions): Promise<string> {
  const host = options.host.replace(/^\[|\]$/g, '');
  if (isIP(host)) return host;
  try {
    const result = await (options.lookup ?? ((h: string) => dnsLookup(h)))(host);
    return result.address;
  } catch (err) {
    if (err instanceof MicroHttpsError) throw err;
    throw hostError('DNS', `${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
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
async function withDeadline<T extends { destroy?: () => void } | string>(promise: Promise<T>, deadline: number, phase: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const ms = deadline - Date.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(hostError('TIMEOUT', `${phase}: not done within the connect timeout`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (err) {
    // a socket that connects after the deadline must not leak
    promise.then((v) => typeof v === 'object' && v.destroy?.(), () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
