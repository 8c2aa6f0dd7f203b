// Byte classes from RFC 9110 §5.6 and helpers to compare bytes with ASCII
// literals. Literals are AssemblyScript static strings (UTF-16 in data):
// reading them allocates nothing.
export const CR: u8 = 13;
export const LF: u8 = 10;
export const SP: u8 = 32;
export const HTAB: u8 = 9;
export const DQUOTE: u8 = 34;
export const SEMICOLON: u8 = 59;
export const EQUALS: u8 = 61;
export const BACKSLASH: u8 = 92;
export const DEL: u8 = 0x7f;

const tokenTable = memory.data(256);

/** Fills the token table once (tchar = "!#$%&'*+-.^_`|~" / DIGIT / ALPHA). */
export function initChars(): void {
  for (let c: u32 = 0; c < 256; c++) {
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    store<u8>(tokenTable + c, alnum ? 1 : 0);
  }
  const extra = "!#$%&'*+-.^_`|~";
  for (let i = 0; i < extra.length; i++) store<u8>(tokenTable + extra.charCodeAt(i), 1);
}

export function isToken(c: u32): bool {
  return load<u8>(tokenTable + c) != 0;
}

export function isWhitespace(c: u32): bool {
  return c == SP || c == HTAB;
}

/** field-vchar, SP or HTAB: what a header field value may contain. */
export function isFieldValueByte(c: u32): bool {
  return c == HTAB || (c >= SP && c != DEL);
}

export function isDigit(c: u32): bool {
  return c >= 48 && c <= 57;
}

/** Value of a hex digit, or -1. */
export function hexValue(c: u32): i32 {
  if (c >= 48 && c <= 57) return <i32>c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return <i32>lower - 87;
  return -1;
}

/** Whether bytes [ptr, ptr+len) equal `lowerLiteral`, ignoring ASCII case. */
export function equalsIgnoreCase(ptr: usize, len: u32, lowerLiteral: string): bool {
  if (<i32>len != lowerLiteral.length) return false;
  for (let i: u32 = 0; i < len; i++) {
    let c = <u32>load<u8>(ptr + i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c != <u32>lowerLiteral.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether bytes [ptr, ptr+len) equal `literal` exactly (methods are case-sensitive). */
export function equalsExact(ptr: usize, len: u32, literal: string): bool {
  if (<i32>len != literal.length) return false;
  for (let i: u32 = 0; i < len; i++) {
    if (<u32>load<u8>(ptr + i) != <u32>literal.charCodeAt(i)) return false;
  }
  return true;
}

/** Copies an ASCII literal to dst; returns its length. */
export function writeAscii(dst: usize, literal: string): u32 {
  const n = literal.length;
  for (let i = 0; i < n; i++) store<u8>(dst + i, <u8>literal.charCodeAt(i));
  return n;
}

/** Trims SP/HTAB on both sides of [ptr, ptr+len): returns the new start offset; sets trimmedLen. */
export let trimmedLen: u32 = 0;
export function trimWhitespace(ptr: usize, len: u32): u32 {
  let start: u32 = 0;
  let end = len;
  while (start < end && isWhitespace(load<u8>(ptr + start))) start++;
  while (end > start && isWhitespace(load<u8>(ptr + end - 1))) end--;
  trimmedLen = end - start;
  return start;
}
