// Loads microhttps.wasm once and gives each connection its own instance:
// instances are cheap, isolate faults, and keep memory per connection fixed.
// The core's only imports are WASI's random_get and clock_time_get, written
// here directly (node:wasi would also do, but wants a module that owns _start).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import { ABI_VERSION, Mem, coreProfiles, type CoreProfile } from './generated/spec.js';
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

/** The exports of microhttps.wasm (docs/abi.md). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  mh_abi_version(): number;
  mh_limit_set(id: number, value: number): number;
  mh_limit_get(id: number): number;
  mh_init(): number;
  mh_xfer_ptr(): number;
  mh_xfer_cap(): number;
  mh_anchor_add(len: number): number;
  mh_anchor_count(): number;
  mh_sha256(offset: number, len: number): number;
  mh_anchor_query_ptr(): number;
  mh_anchor_resume(): number;
  mh_open(flags: number, nameLen: number): number;
  mh_close(): void;
  mh_step(): number;
  mh_send_ptr(): number;
  mh_send_len(): number;
  mh_send_ack(n: number): void;
  mh_recv_ptr(): number;
  mh_recv_cap(): number;
  mh_recv_commit(n: number): void;
  mh_recv_eof(): void;
  mh_request_start(methodLen: number, targetLen: number, hostLen: number): number;
  mh_request_header(nameLen: number, valueLen: number): number;
  mh_request_end(kind: number, lengthLow: number, lengthHigh: number): number;
  mh_body_write(n: number): number;
  mh_body_end(): number;
  mh_status(): number;
  mh_version_minor(): number;
  mh_reason_ptr(): number;
  mh_reason_len(): number;
  mh_header_count(): number;
  mh_header_table_ptr(): number;
  mh_header_name_ptr(i: number): number;
  mh_header_name_len(i: number): number;
  mh_header_value_ptr(i: number): number;
  mh_header_value_len(i: number): number;
  mh_body_ptr(): number;
  mh_body_len(): number;
  mh_keep_alive(): number;
  mh_error_code(): number;
  mh_error_detail(): number;
  mh_call_detail(): number;
  mh_tls_version(): number;
  mh_tls_suite(): number;
  mh_tls_resumed(): number;
  mh_tls_max_fragment(): number;
  mh_session_export(): number;
  mh_session_import(len: number): number;
  mh_mem(kind: number): number;
  mh_pin_add(): number;
  mh_client_cert_add(len: number): number;
  mh_client_key_set(len: number): number;
  mh_error_reason(): number;
  mh_error_subject_ptr(): number;
  mh_error_subject_len(): number;
  mh_peer_count(): number;
  mh_peer_field_ptr(i: number, field: number): number;
  mh_peer_field_len(i: number, field: number): number;
}

const WASI_ESUCCESS = 0;
const WASI_EINVAL = 28;

/** Host clock for certificate dates; tests and boards without time can replace it. */
export type WallClock = () => number | undefined;

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
