// Keep-alive connections per origin: at most maxSockets open at once, idle
// ones closed after idleTimeout, waiters served in order.
import type { Connection } from './connection.js';

export interface PoolOptions {
  /** Most connections open to one origin at once (default 10). */
  maxSockets: number;
  /** ms an idle connection is kept for reuse (default 4000). */
  idleTimeout: number;
}

interface Idle {
  conn: Connection;
  timer: NodeJS.Timeout;
}

class OriginPool {
  idle: Idle[] = [];
  active = 0;
  waiters: (() => void)[] = [];
}

export class Pool {
  readonly options: PoolOptions;
  readonly #origins = new Map<string, OriginPool>();

  constructor(options: Partial<PoolOptions> = {}) {
    // the Session has checked both (options.ts)
    this.options = { maxSockets: options.maxSockets ?? 10, idleTimeout: options.idleTimeout ?? 4000 };
  }

  /** An idle connection to reuse, or a new one from open(). */
  async acquire(key: string, open: () => Promise<Connection>): Promise<{ conn: Connection; reused: boolean }> {
    const origin = this.#origin(key);
    for (;;) {
      const idle = this.#takeIdle(origin);
      if (idle) {
        origin.active++;
        return { conn: idle, reused: true };
      }
      if (origin.active < this.options.maxSockets) {
        origin.active++;
        try {
          return { conn: await open(), reused: false };
        } catch (err) {
          this.#done(origin);
          throw err;
        }
      }
      await new Promise<void>((resolve) => origin.waiters.push(resolve));
    }
  }

  /** Gives a connection back: kept for reuse when it can carry another request. */
  release(key: string, conn: Connection, reusable: boolean): void {
    const origin = this.#origin(key);
    if (reusable && conn.usable) {
      conn.setIdle(true);
      const timer = setTimeout(() => this.#expire(origin, conn), this.options.idleTimeout);
      timer.unref();
      origin.idle.push({ conn, timer });
    } else {
      void conn.close();
    }
    this.#done(origin);
  }

  /** Closes every idle connection (active ones close when their responses end). */
  async close(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const origin of this.#origins.values()) {
      for (const { conn, timer } of origin.idle.splice(0)) {
        clearTimeout(timer);
        closing.push(conn.close());
      }
    }
    await Promise.all(closing);
  }

  /** Connections currently idle in the pool, for all origins. */
  get idleCount(): number {
    let n = 0;
    for (const origin of this.#origins.values()) n += origin.idle.length;
    return n;
  }

  #origin(key: string): OriginPool {
    let origin = this.#origins.get(key);
    if (!origin) this.#origins.set(key, (origin = new OriginPool()));
    return origin;
  }

  #takeIdle(origin: OriginPool): Connection | undefined {
    while (origin.idle.length > 0) {
      const { conn, timer } = origin.idle.pop()!;
      clearTimeout(timer);
      if (conn.usable) {
        conn.setIdle(false);
        return conn;
      }
      void conn.close();
    }
    return undefined;
  }

  #expire(origin: OriginPool, conn: Connection): void {
    origin.idle = origin.idle.filter((i) => i.conn !== conn);
    void conn.close();
  }

  #done(origin: OriginPool): void {
    origin.active--;
    origin.waiters.shift()?.();
  }
}
