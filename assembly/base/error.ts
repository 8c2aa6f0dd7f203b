// The connection's error: the first failure wins and sticks, so a later,
// secondary failure never hides the cause.
export let errorCode: u32 = 0;
export let errorDetail: u32 = 0;

export function fail(code: u32, detail: u32): void {
  if (errorCode == 0) {
    errorCode = code;
    errorDetail = detail;
  }
}

export function failed(): bool {
  return errorCode != 0;
}

export function clearError(): void {
  errorCode = 0;
  errorDetail = 0;
}
