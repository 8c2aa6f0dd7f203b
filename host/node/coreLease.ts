// A connection's hold on a pooled core instance (core.ts). The instance goes
// back to the pool when the connection has ended and no call that uses it
// across awaits is still running; from then on another connection owns its
// memory, so every later use is refused with a clear error instead of
// reading or writing that connection's bytes. An idle connection parks: its
// state becomes a few KB of bytes (coreState.ts) and the instance goes back
// to the pool; the next use of the core takes an instance and resumes there.
import { giveBackCore, takeCore, type Core, type ParkedCore } from './core.js';
import { hostError, type MicroHttpsError } from './errors.js';

export type MemoryReport = ReturnType<Core['memoryReport']>;

export class CoreLease {
  #core: Core | undefined;
  #parked: ParkedCore | undefined;
  #busy = 0;
  #ended = false;
  /** Why the connection ended, when it was aborted: later uses fail with that. */
  #cause: MicroHttpsError | undefined;
  /** The core's figures when the instance was given back or parked. */
  #lastMemory: MemoryReport | undefined;

  constructor(core: Core) {
    this.#core = core;
  }

  /** The instance, while this lease holds it (taken from the pool again if the connection was parked). */
  get core(): Core {
    if (this.#parked !== undefined) this.#resume(this.#parked);
    if (this.#core === undefined) throw this.#cause ?? hostError('STATE', 'this connection is closed: its core instance now serves another connection');
    return this.#core;
  }

  /** Calls in progress (see hold). */
  get busy(): number {
    return this.#busy;
  }

  /** The core's memory figures; once given back or parked, those it had at that moment (parking keeps them). */
  memoryReport(): MemoryReport {
    return this.#core?.memoryReport() ?? this.#lastMemory!;
  }

  /** Bytes the parked state holds (0 while the connection has an instance). */
  get parkedBytes(): number {
    return this.#parked?.state.length ?? 0;
  }

  /** Keeps the connection's state as bytes and gives the instance back; only when nothing runs on it
   * and the core holds nothing of an exchange (mh_idle_wipe zeroes its idle buffers, else refuses). */
  park(): void {
    if (this.#ended || this.#busy > 0 || this.#core === undefined) return;
    if (this.#core.x.mh_idle_wipe() !== 0) return;
    this.#lastMemory = this.#core.memoryReport();
    this.#parked = this.#core.park();
    giveBackCore(this.#core);
    this.#core = undefined;
  }

  #resume(parked: ParkedCore): void {
    const core = takeCore(parked.profile, parked.clock);
    this.#parked = undefined;
    try {
      core.unpark(parked);
    } catch (err) {
      giveBackCore(core);
      throw err;
    }
    this.#core = core;
  }

  /** Runs fn while holding the core: ending the lease meanwhile gives it back only after fn. */
  async hold<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++;
    try {
      return await fn();
    } finally {
      this.#busy--;
      this.#giveBack();
    }
  }

  /** The connection is over (aborted with cause): the instance goes back as soon as nothing runs on it. */
  end(cause?: MicroHttpsError): void {
    this.#ended = true;
    this.#cause ??= cause;
    this.#parked = undefined; // an ended connection never resumes
    this.#giveBack();
  }

  #giveBack(): void {
    if (!this.#ended || this.#busy > 0 || this.#core === undefined) return;
    this.#lastMemory = this.#core.memoryReport();
    giveBackCore(this.#core);
    this.#core = undefined;
  }
}
