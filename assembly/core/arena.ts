// Per-connection buffers are carved once, at mh_init(), from the static arena
// that the C side reserves; nothing is allocated afterwards, so memory use is
// a number fixed by the limits.
import { ARENA_BYTES } from "../generated/spec";
import { mem_arena } from "./tls";

let used: u32 = 0;

/** Returns the address of `size` fresh bytes, or 0 when the arena is full. */
export function carve(size: u32): usize {
  const start = (used + 15) & ~15;
  if (<u64>start + size > ARENA_BYTES) return 0;
  used = start + size;
  return mem_arena() + start;
}

export function arenaUsed(): u32 {
  return used;
}
