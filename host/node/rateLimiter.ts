// A token bucket: `requests` tokens refilled evenly over `per` ms. Requests
// wait for a token, in order; none is dropped.
import { hostError } from './errors.js';

/** Time source, replaceable so tests can run the limiter on a fake clock. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RateLimit {
  requests: number;
  per: number;
}

export class RateLimiter {
  readonly #capacity: number;
  readonly #msPerToken: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit, clock: Clock = realClock) {
    if (!(limit.requests >= 1) || !(limit.per > 0)) throw hostError('CONFIG', 'rateLimit needs requests >= 1 and per > 0 (ms)');
    this.#capacity = limit.requests;
    this.#msPerToken = limit.per / limit.requests;
    this.#clock = clock;
    this.#tokens = limit.requests;
    this.#last = clock.now();
  }

  /** Resolves when the caller may send; callers are served first come, first served. */
  acquire(): Promise<void> {
    const turn = this.#queue.then(() => this.#take());
    this.#queue = turn;
    return turn;
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) / this.#msPerToken);
      this.#last = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#clock.sleep((1 - this.#tokens) * this.#msPerToken);
    }
  }
}
