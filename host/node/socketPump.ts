// A pull interface over a net.Socket for the core's loop: read() resolves
// with the next chunk (null at end of stream), write() waits for drain.
// Every wait has a deadline, so no phase can hang forever.
import type { Socket } from 'node:net';
import { hostError, MicroHttpsError } from './errors.js';

/** Pauses the socket when this much is buffered and not yet read by the core. */
const HIGH_WATER = 256 * 1024;

export class SocketPump {
  readonly #socket: Socket;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #failure: MicroHttpsError | undefined;
  #wake: (() => void) | undefined;
  #failWait: ((err: MicroHttpsError) => void) | undefined;
  #waitPhase = '';
  /** One timer for every wait, re-armed (refresh) rather than made anew per read; unref'd between waits. */
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #armed = false;
  #held = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > HIGH_WATER) socket.pause();
      this.#notify();
    });
    socket.on('end', () => { this.#ended = true; this.#notify(); });
    socket.on('close', () => { this.#ended = true; this.#notify(); });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#failure ??= hostError('CLOSED', `socket error: ${err.code ?? err.message}`, err);
      this.#notify();
    });
    // a socket handed over paused (a proxy tunnel) must flow again
    socket.resume();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#endWait();
    wake?.();
  }

  #endWait(): void {
    this.#wake = undefined;
    this.#failWait = undefined;
    if (!this.#armed) return;
    this.#armed = false;
    this.#timer!.unref();
  }

  /** Up to `max` received bytes, waiting at most timeoutMs; null at end of stream. */
  async read(max: number, timeoutMs: number, phase: string): Promise<Buffer | null> {
    while (this.#chunks.length === 0) {
      if (this.#failure) throw this.#failure;
      if (this.#ended) return null;
      await this.#waitForEvent(timeoutMs, phase);
    }
    return this.take(max)!;
  }

  /** Up to `max` bytes already received, without waiting (and without a promise); undefined when there are none. */
  take(max: number): Buffer | undefined {
    let chunk = this.#chunks[0];
    if (chunk === undefined) return undefined;
    if (chunk.length > max) {
      this.#chunks[0] = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    } else {
      this.#chunks.shift();
    }
    this.#buffered -= chunk.length;
    if (this.#buffered <= HIGH_WATER && this.#socket.isPaused()) this.#socket.resume();
    return chunk;
  }

  #waitForEvent(timeoutMs: number, phase: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#wake = resolve;
      this.#failWait = reject;
      this.#waitPhase = phase;
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) this.#arm(timeoutMs);
    });
  }

  #arm(timeoutMs: number): void {
    this.#armed = true;
    if (this.#timer && this.#timerMs === timeoutMs) {
      this.#timer.ref().refresh();
      return;
    }
    clearTimeout(this.#timer);
    this.#timerMs = timeoutMs;
    this.#timer = setTimeout(() => this.#timedOut(), timeoutMs);
  }

  #timedOut(): void {
    // a wait that has ended left the timer running, unref'd: nothing to do then
    if (!this.#armed) return;
    const fail = this.#failWait;
    this.#endWait();
    fail?.(hostError('TIMEOUT', `${this.#waitPhase}: no data from the server for ${this.#timerMs} ms`));
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armed = false;
  }

  /** Holds writes back until flush(): a TLS flight of several records then
   * leaves in one system call (and, on loopback, wakes the peer once). */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#socket.cork();
  }

  flush(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#socket.uncork();
  }

  /** Flushes once the work queued now is done (setImmediate runs after
   * promise jobs): what the caller writes next in the same turn, such as a
   * request right after a resumed handshake's Finished, joins the held
   * bytes, and nothing waits longer than this turn of the event loop. */
  flushSoon(): void {
    if (this.#held) setImmediate(() => this.flush());
  }

  /** Writes bytes; a promise only when the socket's buffer is full (it settles on drain). Throws when the socket is gone. */
  write(bytes: Uint8Array, timeoutMs: number, phase: string): Promise<void> | undefined {
    if (this.#failure) throw this.#failure;
    if (this.#ended || this.#socket.destroyed) throw hostError('CLOSED', `${phase}: the connection was closed by the server`);
    if (this.#socket.write(bytes)) return undefined;
    // held bytes never drain: let them go before waiting
    this.flush();
    return new Promise<void>((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs) && timeoutMs > 0
        ? setTimeout(() => { cleanup(); reject(hostError('TIMEOUT', `${phase}: the server did not read for ${timeoutMs} ms`)); }, timeoutMs)
        : undefined;
      const done = () => { cleanup(); resolve(); };
      const gone = () => { cleanup(); reject(this.#failure ?? hostError('CLOSED', `${phase}: the connection closed while sending`)); };
      const cleanup = () => {
        clearTimeout(timer);
        this.#socket.off('drain', done).off('close', gone).off('error', gone);
      };
      this.#socket.on('drain', done).on('close', gone).on('error', gone);
    });
  }

  /** Fails every pending and later read or write with `error`, and closes the socket. */
  abort(error: MicroHttpsError): void {
    this.#failure ??= error;
    this.#socket.destroy();
    this.#notify();
    this.#stopTimer();
  }

  /** Keeps an idle pooled socket from holding the process open. */
  setIdle(idle: boolean): void {
    if (idle) this.#socket.unref();
    else this.#socket.ref();
  }

  get usable(): boolean {
    return !this.#ended && !this.#failure && !this.#socket.destroyed;
  }

  destroy(): void {
    this.flush(); // what is held (a close_notify) goes out first
    this.#socket.destroy();
    this.#stopTimer();
  }
}
