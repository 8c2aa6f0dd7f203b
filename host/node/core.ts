// Loads microhttps.wasm once and gives each connection its own instance:
// instances are cheap, isolate faults, and keep memory per connection fixed.
// The core's only imports are WASI's random_get and clock_time_get, written
// here directly (node:wasi would also do, but wants a module that owns _start).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { ABI_VERSION, Mem, coreProfiles, type CoreProfile } from './generated/spec.js';
import type { CoreExports } from './generated/abi.js';
import { hostError } from './errors.js';

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

export class Core {
  readonly x: CoreExports;

  constructor(clock: WallClock = Date.now, readonly profile: CoreProfile = 'full') {
    let memory: WebAssembly.Memory | undefined;
    const bytes = () => new Uint8Array(memory!.buffer);
    const imports = {
      wasi_snapshot_preview1: {
        random_get(ptr: number, len: number): number {
          randomFillSync(bytes(), ptr, len);
          return WASI_ESUCCESS;
        },
        clock_time_get(_clockId: number, _precision: bigint, out: number): number {
          const ms = clock();
          if (ms === undefined) return WASI_EINVAL;
          new DataView(memory!.buffer).setBigUint64(out, BigInt(Math.floor(ms)) * 1_000_000n, true);
          return WASI_ESUCCESS;
        },
      },
    };
    const instance = new WebAssembly.Instance(module(profile), imports);
    this.x = instance.exports as unknown as CoreExports;
    memory = this.x.memory;
    if (this.x.mh_abi_version() !== ABI_VERSION) {
      throw new Error(`${coreProfiles[profile].file} speaks ABI ${this.x.mh_abi_version()}, this host ${ABI_VERSION}: rebuild`);
    }
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
