// Loads microhttps.wasm once and gives each connection an instance of its
// own while it is open: instances isolate faults and keep memory per
// connection fixed. A closed connection's instance is reset and kept in a
// small pool per profile, so that after warm-up no connection waits for an
// instantiation (0.26-0.29 ms of CPU each).
// The core's only imports are WASI's random_get and clock_time_get, written
// here directly (node:wasi would also do, but wants a module that owns _start).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { ABI_VERSION, Mem, coreProfiles, type CoreProfile } from './generated/spec.js';
import type { CoreExports } from './generated/abi.js';
import { hostError } from './errors.js';
import { capturePristine, restorePristine, parkedState, applyChanges, repaintStack, takeGlobals, putGlobals, type Pristine } from './coreState.js';

const compiled = new Map<CoreProfile, WebAssembly.Module>();

/** The compiled core of a build profile (tools/profiles.mjs), read once per process. */
function module(profile: CoreProfile): WebAssembly.Module {
  let m = compiled.get(profile);
  if (!m) {
    if (!Object.hasOwn(coreProfiles, profile)) {
      throw hostError('CONFIG', `unknown core ${JSON.stringify(profile)}; known: ${Object.keys(coreProfiles).join(', ')}`);
    }
    m = compileCore(profile, fileURLToPath(new URL(`../build/${coreProfiles[profile].file}`, import.meta.url)));
    compiled.set(profile, m);
  }
  return m;
}

const REINSTALL = 'reinstall microhttps, or run `npm run build` in a checkout';

/** Reads and compiles a core file; a missing or damaged one is a CONFIG error naming it. */
function compileCore(profile: CoreProfile, path: string): WebAssembly.Module {
  const bytes = readCore(profile, path);
  try {
    return new WebAssembly.Module(bytes);
  } catch (err) {
    throw hostError('CONFIG', `core ${profile}: ${path} is not a valid WebAssembly module (${(err as Error).message}); ${REINSTALL}`, err);
  }
}

function readCore(profile: CoreProfile, path: string) {
  try {
    return readFileSync(path);
  } catch (err) {
    throw hostError('CONFIG', `core ${profile}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; ${REINSTALL}`, err);
  }
}

const WASI_ESUCCESS = 0;
const WASI_EINVAL = 28;

/** Host clock for certificate dates; tests and boards without time can replace it. */
export type WallClock = () => number | undefined;

/** Whether a build profile leaves out a TLS feature (a tls/core/profile.h macro, e.g. MH_NO_TLS13). */
export function profileLeavesOut(profile: CoreProfile, feature: string): boolean {
  const leftOut: readonly string[] = coreProfiles[profile].tlsLeftOut;
  return leftOut.includes(feature);
}

let instantiations = 0;

/** Instances created in this process so far (tests and the bench check that the connection path makes none once warm). */
export function coreInstantiations(): number {
  return instantiations;
}

/** Per profile, a fresh instance's globals and static data, which reset() copies back. */
const pristine = new Map<CoreProfile, Pristine>();

/** An idle connection's state without an instance (coreState.ts): a few KB instead of the instance. */
export interface ParkedCore {
  readonly module: WebAssembly.Module;
  readonly profile: CoreProfile;
  readonly clock: WallClock;
  /** The globals' bytes, then the runs of memory that differ from a fresh instance (coreState.ts): one array per connection. */
  readonly state: Uint8Array;
  readonly stackPeak: number;
}

export class Core {
  readonly x: CoreExports;
  /** Read by the core for certificate dates; set per connection (a pooled instance serves many). */
  clock: WallClock;
  readonly module: WebAssembly.Module;

  constructor(clock: WallClock = Date.now, readonly profile: CoreProfile = 'full') {
    this.clock = clock;
    let memory: WebAssembly.Memory | undefined;
    const bytes = () => new Uint8Array(memory!.buffer);
    const core = this;
    const imports = {
      wasi_snapshot_preview1: {
        random_get(ptr: number, len: number): number {
          randomFillSync(bytes(), ptr, len);
          return WASI_ESUCCESS;
        },
        clock_time_get(_clockId: number, _precision: bigint, out: number): number {
          const ms = core.clock();
          if (ms === undefined) return WASI_EINVAL;
          new DataView(memory!.buffer).setBigUint64(out, BigInt(Math.floor(ms)) * 1_000_000n, true);
          return WASI_ESUCCESS;
        },
      },
    };
    this.module = module(profile);
    const instance = new WebAssembly.Instance(this.module, imports);
    instantiations++;
    this.x = instance.exports as unknown as CoreExports;
    memory = this.x.memory;
    if (this.x.mh_abi_version() !== ABI_VERSION) {
      throw new Error(`${coreProfiles[profile].file} speaks ABI ${this.x.mh_abi_version()}, this host ${ABI_VERSION}: rebuild`);
    }
    if (!pristine.has(profile)) pristine.set(profile, capturePristine(this));
  }

  /** Back to the state right after instantiation: nothing of the last connection stays. */
  reset(): void {
    restorePristine(this, pristine.get(this.profile)!);
  }

  /** This instance's state as bytes (after mh_init, between calls); the instance is then free for another connection. */
  park(): ParkedCore {
    const x = this.x;
    const stackPeak = x.mh_mem(Mem.STACK_PEAK);
    const state = parkedState(this, pristine.get(this.profile)!, takeGlobals(this, x.mh_mem(Mem.ARENA_BASE)));
    return { module: this.module, profile: this.profile, clock: this.clock, state, stackPeak };
  }

  /** Takes on a parked state: this must be a fresh or reset instance of the same module. */
  unpark(parked: ParkedCore): void {
    if (parked.module !== this.module) throw hostError('INTERNAL', `a connection parked on the '${parked.profile}' core cannot resume on the '${this.profile}' one`);
    const globalsLength = pristine.get(this.profile)!.globals.length;
    applyChanges(this, parked.state, globalsLength);
    putGlobals(this, this.x.mh_mem(Mem.ARENA_BASE), parked.state.subarray(0, globalsLength));
    repaintStack(this, parked.stackPeak);
    this.clock = parked.clock;
  }

  /** Copies bytes into the transfer window at offset; returns the offset after them. */
  putXfer(data: Uint8Array, offset = 0): number {
    if (offset + data.length > this.x.mh_xfer_cap()) throw new RangeError('transfer window too small');
    new Uint8Array(this.x.memory.buffer, this.x.mh_xfer_ptr() + offset, data.length).set(data);
    return offset + data.length;
  }

  /** A view of core memory: valid until the next call into the core. */
  view(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, ptr, len);
  }

  text(ptr: number, len: number): string {
    return Buffer.from(this.x.memory.buffer, ptr, len).toString('latin1');
  }

  /** The core's own memory figures (see spec/abi.json, group Mem). */
  memoryReport(): Record<keyof typeof Mem, number> {
    const out = {} as Record<keyof typeof Mem, number>;
    for (const [name, kind] of Object.entries(Mem)) out[name as keyof typeof Mem] = this.x.mh_mem(kind);
    return out;
  }
}

/**
 * Reset instances ready for the next connection, per profile. Each costs the
 * memory its last connection touched (about 110 KB for `full`, see
 * docs/memory.md), so the pool keeps at most this many; more connections
 * closing at once than that are left to the garbage collector.
 */
export const CORE_POOL_BOUND = 8;

const idleCores = new Map<CoreProfile, Core[]>();

/** A fresh or reset instance of a profile, reading time from clock. */
export function takeCore(profile: CoreProfile = 'full', clock: WallClock = Date.now): Core {
  const core = idleCores.get(profile)?.pop() ?? new Core(clock, profile);
  core.clock = clock;
  return core;
}

/** Resets an instance no connection uses any more and keeps it for the next one. */
export function giveBackCore(core: Core): void {
  core.reset();
  const idle = idleCores.get(core.profile) ?? [];
  idleCores.set(core.profile, idle);
  if (idle.length < CORE_POOL_BOUND && !idle.includes(core)) idle.push(core);
}
