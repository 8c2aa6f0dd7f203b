// An instance's state as bytes, for the pool (core.ts) and for parking idle
// connections (coreLease.ts). Everything a connection leaves in an instance
// is in two places: wasm globals (mh_globals_save/load, written by the build
// for every mutable global) and linear memory above the stack. Linear memory
// is compared with a fresh instance of the same module: static data is
// compared with a copy taken right after instantiation, the arena with zeros
// (BSS) up to what mh_init carved. What differs is the connection's state,
// byte for byte, so nothing has to be listed by hand and nothing is missed.
// The stack holds nothing between calls but the paint behind STACK_PEAK.
// Addresses are the same in every instance of a module, so the pointers the
// state holds (BearSSL's into its buffers, AssemblyScript's into the arena,
// function-table indices) stay valid on another instance of that module.
import { Mem } from './generated/spec.js';
import type { Core } from './core.js';

/** A fresh instance's state: its globals and its static data outside the arena (which starts as zeros). */
export interface Pristine {
  globals: Uint8Array;
  low: Uint8Array;
  lowAt: number;
  high: Uint8Array;
  highAt: number;
}

/** Of an instance nothing has been called on yet. */
export function capturePristine(core: Core): Pristine {
  const x = core.x;
  const lowAt = x.mh_mem(Mem.STACK_SIZE);
  const arenaAt = x.mh_mem(Mem.ARENA_BASE);
  const highAt = arenaAt + x.mh_mem(Mem.ARENA_SIZE);
  return {
    globals: takeGlobals(core, arenaAt),
    low: core.view(lowAt, arenaAt - lowAt).slice(),
    lowAt,
    high: core.view(highAt, x.mh_mem(Mem.HEAP_BASE) - highAt).slice(),
    highAt,
  };
}

/** The globals' bytes, through memory at `at`, which is left as it was. */
export function takeGlobals(core: Core, at: number): Uint8Array {
  const under = core.view(at, GLOBALS_ROOM).slice();
  const globals = core.view(at, core.x.mh_globals_save(at)).slice();
  core.view(at, GLOBALS_ROOM).set(under);
  return globals;
}

/** Sets the globals from their bytes, through memory at `at`, which is left as it was. */
export function putGlobals(core: Core, at: number, globals: Uint8Array): void {
  const window = core.view(at, globals.length);
  const under = window.slice();
  window.set(globals);
  core.x.mh_globals_load(at);
  window.set(under);
}

/** Room for the globals' slots: the build writes one 8-byte slot per mutable global (about 70 today). */
const GLOBALS_ROOM = 4096;

/** Back to the state right after instantiation: arena zeroed, static data and globals copied back. */
export function restorePristine(core: Core, fresh: Pristine): void {
  const x = core.x;
  const arenaAt = x.mh_mem(Mem.ARENA_BASE);
  core.view(arenaAt, x.mh_mem(Mem.ARENA_USED)).fill(0);
  putGlobals(core, arenaAt, fresh.globals);
  core.view(fresh.lowAt, fresh.low.length).set(fresh.low);
  core.view(fresh.highAt, fresh.high.length).set(fresh.high);
}

/** Runs of equal words shorter than this are kept inside a run of changes (a run's header costs 8 bytes). */
const GAP_WORDS = 4;

/**
 * An idle connection's state as one array: the globals' bytes, then the
 * bytes of linear memory that differ from a fresh instance, as runs: u32
 * address, u32 length, then the bytes, repeated (little-endian). The arena
 * starts as zeros, so it is compared with zero without a copy to compare
 * with: with the idle buffers wiped (mh_idle_wipe) only the few KB the
 * engines and the HTTP layer keep differ.
 */
export function parkedState(core: Core, fresh: Pristine, globals: Uint8Array): Uint8Array {
  const x = core.x;
  const arenaAt = x.mh_mem(Mem.ARENA_BASE);
  const carved = (x.mh_mem(Mem.ARENA_USED) + 15) & ~15;
  const runs: number[] = [];
  collectRuns(core, fresh.lowAt, fresh.low, runs);
  collectRuns(core, arenaAt, carved, runs);
  collectRuns(core, fresh.highAt, fresh.high, runs);
  let size = globals.length;
  for (let i = 1; i < runs.length; i += 2) size += 8 + runs[i];
  const out = new Uint8Array(size);
  out.set(globals);
  const header = new DataView(out.buffer);
  let at = globals.length;
  for (let i = 0; i < runs.length; i += 2) {
    const [addr, len] = [runs[i], runs[i + 1]];
    header.setUint32(at, addr, true);
    header.setUint32(at + 4, len, true);
    out.set(core.view(addr, len), at + 8);
    at += 8 + len;
  }
  return out;
}

/**
 * Appends (address, length) of the runs where memory at base differs from
 * expected: bytes, or a length of zeros (both 4-byte aligned, length a
 * multiple of 4).
 */
function collectRuns(core: Core, base: number, expected: Uint8Array | number, runs: number[]): void {
  const words = (typeof expected === 'number' ? expected : expected.length) >>> 2;
  const now = new Uint32Array(core.x.memory.buffer, base, words);
  const was = typeof expected === 'number' ? undefined : new Uint32Array(expected.buffer, expected.byteOffset, words);
  let start = -1;
  let lastDiff = -1;
  for (let i = 0; i < words; i++) {
    if (now[i] === (was === undefined ? 0 : was[i])) continue;
    if (start >= 0 && i - lastDiff > GAP_WORDS) {
      runs.push(base + start * 4, (lastDiff - start + 1) * 4);
      start = -1;
    }
    if (start < 0) start = i;
    lastDiff = i;
  }
  if (start >= 0) runs.push(base + start * 4, (lastDiff - start + 1) * 4);
}

/** Writes the runs of a parkedState() (from offset at) into a fresh (or reset) instance of the same module. */
export function applyChanges(core: Core, state: Uint8Array, at: number): void {
  const header = new DataView(state.buffer, state.byteOffset, state.byteLength);
  while (at < state.length) {
    const addr = header.getUint32(at, true);
    const len = header.getUint32(at + 4, true);
    core.view(addr, len).set(state.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
}

const STACK_PAINT = 0xa5;
/** tls/core/memory.c leaves the first bytes of memory alone. */
const STACK_LOW = 16;

/** Paints the stack so that mh_mem(STACK_PEAK) reads peak, as it did where the state came from. */
export function repaintStack(core: Core, peak: number): void {
  const top = core.x.mh_mem(Mem.STACK_SIZE) - peak;
  if (top <= STACK_LOW) return;
  core.view(STACK_LOW, top - STACK_LOW).fill(STACK_PAINT);
  core.view(top, 1)[0] = 0;
}
