// Per-connection buffers are carved once, at mh_init(), from the static arena
// that the C side reserves; nothing is allocated afterwards, so memory use is
// a number fixed by the limits.
import { mem_arena, mem_arena_size } from "../generated/tls";

let used: u32 = 0;

/** Returns the address of `size` fresh bytes, or 0 when the arena is full. */
export function carve(size: u32): usize {
  const start = (used + 15) & ~15;
  // the build profile sizes the arena; the C side knows how large it is
  if (<u64>start + size > mem_arena_size()) return 0;
  used = start + size;
  return mem_arena() + start;
}

export function arenaUsed(): u32 {
  return used;
}

/** The host zeroes the arena when it resets an instance (mh_mem(MEM_ARENA_BASE), docs/memory.md). */
export function arenaBase(): usize {
  return mem_arena();
}
