// AssemblyScript's abort() (a failed assertion or bounds check inside the
// core) must not become an `env.abort` import: a host such as WAMR already
// has one with another signature. It becomes the numeric INTERNAL error and
// a trap; the host reads mh_error_code() and discards the instance.
import { ERR_INTERNAL } from "../generated/spec";
import { fail } from "./error";

export function coreAbort(message: usize, fileName: usize, line: u32, column: u32): void {
  fail(ERR_INTERNAL, line);
  unreachable();
}
