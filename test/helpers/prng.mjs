// Seeded randomness for tests: the same seed gives the same cases on every machine.
import { createHash } from 'node:crypto';

// mulberry32: a small PRNG, enough for reproducible test splits and fuzzing.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic bytes from a seed (SHA-256 in counter mode). */
export function seededBytes(seed, n) {
  const out = Buffer.alloc(n);
  for (let i = 0, off = 0; off < n; i++, off += 32) {
    createHash('sha256').update(`${seed}/${i}`).digest().copy(out, off);
  }
  return out;
}
