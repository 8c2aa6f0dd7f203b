// The elements of a comma-separated field value (RFC 9110 §5.6.1), OWS
// trimmed, walked without copies. Empty elements are reported as length 0.
import { equalsIgnoreCase, trimWhitespace, trimmedLen } from "./chars";

export const NO_ELEMENT: u32 = 0xffffffff;
/** Length of the element last returned, or NO_ELEMENT after the last one. */
export let elementLen: u32 = NO_ELEMENT;
let cursor: u32 = 0;

export function firstElement(p: usize, n: u32): usize {
  cursor = 0;
  return nextElement(p, n);
}

export function nextElement(p: usize, n: u32): usize {
  if (cursor > n) { elementLen = NO_ELEMENT; return p; }
  const start = cursor;
  let end = start;
  while (end < n && load<u8>(p + end) != 44) end++;
  cursor = end + 1;
  const off = trimWhitespace(p + start, end - start);
  elementLen = trimmedLen;
  return p + start + off;
}

/** Whether one element of the list is `lowerLiteral`, ignoring ASCII case. */
export function listContains(p: usize, n: u32, lowerLiteral: string): bool {
  for (let t = firstElement(p, n); elementLen != NO_ELEMENT; t = nextElement(p, n)) {
    if (equalsIgnoreCase(t, elementLen, lowerLiteral)) return true;
  }
  return false;
}
