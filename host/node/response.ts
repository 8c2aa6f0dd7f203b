// What a request resolves to: status, headers, and a body that is read from
// the connection only when asked for (or preloaded, unless stream: true), in
// bounded chunks.
import { Event } from './generated/spec.js';
import { Headers } from './headers.js';
import { hostError } from './errors.js';
import { codingsToUndo, decodeBody, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode.js';
import type { Connection, ConnectTimings, ResponseHead, TlsFacts } from './connection.js';

/** What response.tls holds (see docs/security.md). */
export type { TlsFacts as TlsInfo } from './connection.js';

export interface ResponseTimings extends ConnectTimings {
  /** ms from the start of this hop to the response head. */
  firstByte: number;
  /** whether the connection came from the pool (no dns/connect/tls then). */
  reused: boolean;
}

/** Called once the body is consumed or abandoned: reusable says whether the connection may serve another request. */
export type Release = (conn: Connection, reusable: boolean) => void;

/** How the body's Content-Encoding is handled: decoded (the default) within limits, or left as sent. */
export interface BodyDecoding {
  decompress: boolean;
  limits: Required<DecodeLimits>;
}

export class Response {
  readonly status: number;
  readonly reason: string;
  readonly httpVersion: string;
  readonly headers: Headers;
  readonly url: string;
  readonly tls: TlsFacts | undefined;
  readonly timings: ResponseTimings;
  /** Trailer fields of a chunked body, once the body has been read. */
  trailers: Headers = new Headers();
  /** ms from the start of the request (first hop) to this response's head. */
  elapsed: number;
  /** The redirect responses that led here, oldest first. */
  history: Response[] = [];
  readonly #conn: Connection;
  readonly #release: Release;
  #state: 'unread' | 'reading' | 'done' | 'closed' = 'unread';
  /** The whole body, decoded, once preload() has read it. */
  #preloaded: Buffer | undefined;
  readonly #decoding: BodyDecoding;

  constructor(conn: Connection, head: ResponseHead, url: string, hopStart: number, reused: boolean, release: Release,
    decoding: BodyDecoding = { decompress: true, limits: DEFAULT_DECODE_LIMITS }) {
    this.status = head.status;
    this.reason = head.reason;
    this.httpVersion = head.httpVersion;
    this.headers = head.headers;
    this.url = url;
    this.tls = conn.tlsInfo;
    this.elapsed = Date.now() - hopStart;
    // written out, not spread: a spread object per response is what made V8 promote per-request garbage
    // out of the young generation and grow it (docs/memory.md)
    const hop = reused ? undefined : conn.timings;
    this.timings = { dns: hop?.dns ?? 0, connect: hop?.connect ?? 0, tls: hop?.tls ?? 0, firstByte: this.elapsed, reused };
    this.#conn = conn;
    this.#release = release;
    this.#decoding = decoding;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get redirected(): boolean {
    return this.history.length > 0;
  }

  /** The core's memory figures for this response's connection (bytes). */
  get memory(): ReturnType<Connection['memoryReport']> {
    return this.#conn.memoryReport();
  }

  /**
   * The Content-Encoding codings the body readers undo, last applied first
   * (empty: the body is read as sent, e.g. with decompress: false or an
   * unknown coding). The headers keep the original Content-Encoding and
   * Content-Length either way.
   */
  get decodedEncodings(): string[] {
    return this.#decoding.decompress ? codingsToUndo(this.headers) ?? [] : [];
  }

  /** The body as it arrives (decoded), in chunks of at most chunkSize bytes. */
  async *iterContent(chunkSize = 16384): AsyncGenerator<Uint8Array> {
    if (!(chunkSize > 0)) throw new RangeError('chunkSize must be a positive number');
    for await (const chunk of this.#body()) {
      for (let at = 0; at < chunk.length; at += chunkSize) yield chunk.subarray(at, at + chunkSize);
    }
  }

  /** The body as text lines (without their line ends), decoded as UTF-8. */
  async *iterLines(): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of this.#body()) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split(/\r?\n/);
      pending = lines.pop()!;
      yield* lines;
    }
    pending += decoder.decode();
    if (pending) yield pending;
  }

  async bytes(): Promise<Uint8Array> {
    return this.#bodyBuffer();
  }

  /** The whole body in one Buffer. Without a coding to undo it is read straight from the connection,
   * not through the async generators (whose promises per step were much of a request's garbage); a body
   * that came in one chunk is that chunk (already a copy out of the core's memory, and nobody else's). */
  async #bodyBuffer(): Promise<Buffer> {
    const parts: Buffer[] = [];
    if (this.#readsAsSent()) {
      const preloaded = this.#startReading();
      if (preloaded) return preloaded;
      try {
        for (let chunk = await this.#nextChunk(); chunk !== null; chunk = await this.#nextChunk()) parts.push(chunk);
      } finally {
        this.#stopReading();
      }
    } else {
      for await (const chunk of this.#body()) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  async text(): Promise<string> {
    return (await this.#bodyBuffer()).toString('utf8');
  }

  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new SyntaxError(`response body from ${this.url} is not JSON: ${(err as Error).message}`);
    }
  }

  /** Throws an HTTPError for 4xx and 5xx statuses; returns the response otherwise. */
  raiseForStatus(): this {
    if (this.status >= 400) throw new HTTPError(this);
    return this;
  }

  /** Reads the whole body now (requests' default, stream: false); it is then served from memory. */
  async preload(): Promise<this> {
    if (this.#state === 'unread') this.#preloaded = await this.#bodyBuffer();
    this.#state = 'unread';
    return this;
  }

  /** Reads the body as sent (nothing decoded) and drops it, so the connection can serve another request. */
  async discard(): Promise<void> {
    for await (const chunk of this.#chunks()) void chunk;
  }

  /** Ends the response. A fully read body returns the connection to the pool; an unread one closes it. */
  async close(): Promise<void> {
    if (this.#state === 'done' || this.#state === 'closed') return;
    if (this.#preloaded) {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closed';
    this.#release(this.#conn, false);
  }

  /** Whether the readers see the body as it comes from the connection: preloaded (already decoded), or nothing to undo. */
  #readsAsSent(): boolean {
    return this.#preloaded !== undefined || !this.headers.has('content-encoding') || this.decodedEncodings.length === 0;
  }

  /** What the readers see: the body with its Content-Encoding undone (a preloaded body already is). */
  #body(): AsyncGenerator<Uint8Array> {
    const codings = this.#preloaded ? [] : this.decodedEncodings;
    if (codings.length === 0) return this.#chunks();
    return decodeBody(this.#chunks(), codings, this.#decoding.limits, this.url);
  }

  async *#chunks(): AsyncGenerator<Buffer> {
    const preloaded = this.#startReading();
    if (preloaded) {
      if (preloaded.length > 0) yield preloaded;
      return;
    }
    try {
      for (let chunk = await this.#nextChunk(); chunk !== null; chunk = await this.#nextChunk()) yield chunk;
    } finally {
      this.#stopReading();
    }
  }

  /** Starts the one read of the body; a preloaded body is handed back whole (the read is then done). */
  #startReading(): Buffer | undefined {
    if (this.#state !== 'unread') throw hostError('STATE', 'the body was already read or the response closed');
    this.#state = 'reading';
    if (!this.#preloaded) return undefined;
    this.#state = 'done';
    return this.#preloaded;
  }

  /** The next body chunk as sent (a copy), or null at the end, when the connection goes back for reuse. */
  async #nextChunk(): Promise<Buffer | null> {
    for (;;) {
      const ev = await this.#conn.next('body');
      if (ev === Event.BODY) return this.#conn.bodyChunk();
      if (ev === Event.TRAILERS) this.trailers = this.#conn.fields();
      else if (ev === Event.DONE) break;
      else throw hostError('INTERNAL', `unexpected core event ${ev} while reading the body`);
    }
    this.#state = 'done';
    this.#release(this.#conn, this.#conn.keepAlive);
    return null;
  }

  /** After a read: one that stopped early or failed has spent the connection. */
  #stopReading(): void {
    if (this.#state !== 'reading') return;
    this.#state = 'closed';
    this.#release(this.#conn, false);
  }
}

export class HTTPError extends Error {
  readonly status: number;
  readonly response: Response;

  constructor(response: Response) {
    super(`HTTP ${response.status} ${response.reason} for ${response.url}`);
    this.name = 'HTTPError';
    this.status = response.status;
    this.response = response;
  }
}
