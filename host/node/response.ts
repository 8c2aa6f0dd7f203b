// What a request resolves to: status, headers, and a body that is read from
// the connection only when asked for, in bounded chunks.
import { Event } from './generated/spec.js';
import { Headers } from './headers.js';
import { hostError } from './errors.js';
import type { Connection, ResponseHead } from './connection.js';

export interface TlsInfo {
  version: string;
  cipher: string;
  /** true when certificate validation was skipped on request (never by default). */
  insecure?: boolean;
  /** The handshake resumed an earlier session (no certificate exchange). */
  resumed: boolean;
  /** This connection's session, to offer later (`session` option); holds the master secret. */
  session?: Uint8Array;
  /** The Maximum Fragment Length in force: offered and accepted by the server (absent otherwise). */
  maxFragment?: number;
}

/** Called once the body is consumed (or abandoned): the connection can be reused or must be closed. */
export type Release = (conn: Connection, reusable: boolean) => void;

export class Response {
  readonly status: number;
  readonly reason: string;
  readonly httpVersion: string;
  readonly headers: Headers;
  readonly url: string;
  readonly tls: TlsInfo | undefined;
  /** Trailer fields of a chunked body, once the body has been read. */
  trailers: Headers = new Headers();
  /** ms from the start of the request to the response head. */
  readonly elapsed: number;
  readonly #conn: Connection;
  readonly #release: Release;
  #bodyState: 'unread' | 'reading' | 'done' | 'closed' = 'unread';

  constructor(conn: Connection, head: ResponseHead, url: string, startedAt: number, release: Release) {
    this.status = head.status;
    this.reason = head.reason;
    this.httpVersion = head.httpVersion;
    this.headers = head.headers;
    this.url = url;
    this.tls = conn.tlsInfo;
    this.elapsed = Date.now() - startedAt;
    this.#conn = conn;
    this.#release = release;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The core's memory figures for this connection (bytes). */
  get memory(): ReturnType<Connection['core']['memoryReport']> {
    return this.#conn.core.memoryReport();
  }

  /** The body as it arrives, in chunks of at most chunkSize bytes. */
  async *iterContent(chunkSize = 16384): AsyncGenerator<Uint8Array> {
    if (!(chunkSize > 0)) throw new RangeError('chunkSize must be a positive number');
    for await (const chunk of this.#chunks()) {
      for (let at = 0; at < chunk.length; at += chunkSize) yield chunk.subarray(at, at + chunkSize);
    }
  }

  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.#chunks()) parts.push(chunk);
    return Buffer.concat(parts);
  }

  async text(): Promise<string> {
    return Buffer.from(await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new SyntaxError(`response body is not JSON: ${(err as Error).message}`);
    }
  }

  /** Throws a MicroHttpsError-like HTTPError for 4xx and 5xx statuses. */
  raiseForStatus(): this {
    if (this.status >= 400) {
      throw Object.assign(new Error(`HTTP ${this.status} ${this.reason} for ${this.url}`), { name: 'HTTPError', status: this.status, response: this });
    }
    return this;
  }

  /** Ends the response: an unread body means the connection cannot be reused. */
  async close(): Promise<void> {
    if (this.#bodyState === 'done' || this.#bodyState === 'closed') return;
    this.#bodyState = 'closed';
    this.#release(this.#conn, false);
  }

  async *#chunks(): AsyncGenerator<Buffer> {
    if (this.#bodyState !== 'unread') throw hostError('STATE', 'the body was already read or the response closed');
    this.#bodyState = 'reading';
    try {
      for (;;) {
        const ev = await this.#conn.next('body');
        if (ev === Event.BODY) yield this.#conn.bodyChunk();
        else if (ev === Event.TRAILERS) this.trailers = this.#conn.fields();
        else if (ev === Event.DONE) break;
        else throw hostError('INTERNAL', `unexpected core event ${ev} while reading the body`);
      }
      this.#bodyState = 'done';
      this.#release(this.#conn, this.#conn.keepAlive);
    } finally {
      if (this.#bodyState === 'reading') {
        // the consumer stopped early or an error was thrown: this connection is spent
        this.#bodyState = 'closed';
        this.#release(this.#conn, false);
      }
    }
  }
}
