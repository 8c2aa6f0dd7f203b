// Limit values, set by the host before mh_init() and frozen after it.
import { LIMIT_COUNT, limitDefault, limitMin, limitMax, ERR_CONFIG, ERR_STATE } from "../generated/spec";
import { limit_default } from "../generated/tls";

const values = memory.data(LIMIT_COUNT * 4, 4);
let frozen = false;

export function limit(id: u32): u32 {
  return load<u32>(values + (id << 2));
}

/** Each limit's default: the build profile's (tools/profiles.mjs), else spec/limits.json's. */
export function resetLimits(): void {
  for (let id: u32 = 1; id < LIMIT_COUNT; id++) store<u32>(values + (id << 2), limit_default(id, limitDefault(id)));
}

/** Returns 0 or an error code. */
export function setLimit(id: u32, value: u32): u32 {
  if (frozen) return ERR_STATE;
  if (id == 0 || id >= LIMIT_COUNT || value < limitMin(id) || value > limitMax(id)) return ERR_CONFIG;
  store<u32>(values + (id << 2), value);
  return 0;
}

export function freezeLimits(): void {
  frozen = true;
}

export function limitsFrozen(): bool {
  return frozen;
}
