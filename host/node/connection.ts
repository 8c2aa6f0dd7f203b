// One connection = one core instance + one socket. This is the host's half of
// the sans-IO contract: it runs mh_step() and does what each event asks
// (send, receive), handing the HTTP-level events to its caller.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Core, type WallClock } from './core.js';
import { Event, OpenFlag, BodyKind, limitSpecs, PeerLimit } from './generated/spec.js';
import { coreError, hostError, MicroHttpsError } from './errors.js';
import { SocketPump } from './socketPump.js';
import {
  trustAnchors, pinHashes, clientIdentity, peerCertificates, tlsFailure, versionName, suiteName,
  type CaInput, type PemInput, type PeerCertificate,
} from './trust.js';
import { Headers } from './headers.js';

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
  clock?: WallClock;
  lookup?: LookupFunction;
  /** Public key pins, "sha256/<base64>" each: one must match a key of the validated chain. */
  pin?: string | readonly string[];
  /** Skip certificate validation (chain, dates, name). Loud: a process warning and response.tls.insecure. */
  insecure?: boolean;
  /** Client certificate chain (PEM, leaf first) and its private key (PEM) for mutual TLS. */
  cert?: PemInput;
  key?: PemInput;
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

export class Connection {
  readonly core: Core;
  readonly options: ConnectionOptions;
  readonly #pump: SocketPump;
  #closed = false;

  private constructor(core: Core, pump: SocketPump, options: ConnectionOptions) {
    this.core = core;
    this.#pump = pump;
    this.options = options;
  }

  /** Resolves, connects and (for TLS) completes the handshake with full validation. */
  static async open(options: ConnectionOptions): Promise<Connection> {
    const deadline = Date.now() + options.timeout.connect;
    const core = setUpCore(options);
    const address = await withDeadline(resolve(options), deadline, 'dns');
    const socket = await withDeadline(tcpConnect(address, options.port), deadline, 'connect');
    const conn = new Connection(core, new SocketPump(socket), options);
    try {
      const name = encoder.encode(options.servername ?? options.host);
      const flags = options.tls ? OpenFlag.TLS | (options.insecure ? OpenFlag.INSECURE : 0) : 0;
      if (options.tls && options.insecure) warnInsecure(options.servername ?? options.host);
      const code = core.x.mh_open(flags, core.putXfer(name));
      if (code !== 0) throw coreError(code, core.x.mh_error_detail(), `opening the connection to ${options.servername ?? options.host}`);
      await conn.next('tls', deadline - Date.now());
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    }
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
        const chunk = await this.#readOrEnd(x.mh_recv_cap(), timeoutMs, phase);
        if (chunk === null) x.mh_recv_eof();
        else {
          this.core.view(x.mh_recv_ptr(), chunk.length).set(chunk);
          x.mh_recv_commit(chunk.length);
        }
      } else if (ev === Event.ERROR) {
        throw tlsFailure(x, coreError(x.mh_error_code(), x.mh_error_detail(), phase));
      } else {
        return ev;
      }
    }
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

  get tlsInfo(): TlsFacts | undefined {
    if (!this.options.tls) return undefined;
    const x = this.core.x;
    const chain = peerCertificates(x);
    return {
      version: versionName(x.mh_tls_version()),
      cipher: suiteName(x.mh_tls_suite()),
      ...(this.options.insecure ? { insecure: true as const } : {}),
      peerCertificates: chain,
      leafSpkiSha256: chain[0]?.spkiSha256 ?? '',
    };
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

function setUpCore(options: ConnectionOptions): Core {
  const core = new Core(options.clock);
  const x = core.x;
  for (const [name, value] of Object.entries(options.limits ?? {})) {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) throw hostError('CONFIG', `unknown limit ${name}; known: ${limitSpecs.map((l) => l.name).join(', ')}`);
    if (value === undefined) continue;
    if (x.mh_limit_set(spec.id, value) !== 0) {
      throw hostError('CONFIG', `limit ${name}=${value} is outside ${spec.min}..${spec.max}`);
    }
  }
  const identity = options.tls && (options.cert !== undefined || options.key !== undefined) ? clientIdentityOf(options) : undefined;
  if (identity && options.limits?.clientCertBytes === undefined) {
    x.mh_limit_set(limitSpecs.find((l) => l.name === 'clientCertBytes')!.id, identity.certs.reduce((n, c) => n + c.length, 0));
  }
  const code = x.mh_init();
  if (code !== 0) throw coreError(code, 0, 'mh_init: the limits do not fit in the core\'s arena');
  if (options.tls) {
    loadAnchors(core, options.ca);
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
