// Response heads and trailer sections, fed in pieces of any size.
//
// Bytes are copied into the head buffer as they arrive (the transport's
// window is reused for the next record, so the head must live somewhere) and
// each line is checked when its CRLF arrives. Field names and values are then
// exposed as views into that buffer: no further copies. RFC 9112 §2–§5.
import {
  ERR_HTTP_PARSE, ERR_HTTP_LIMIT,
  PARSE_BARE_CR, PARSE_BARE_LF, PARSE_NUL_BYTE, PARSE_BAD_VERSION, PARSE_BAD_STATUS_CODE, PARSE_BAD_STATUS_LINE,
  PARSE_BAD_HEADER_NAME, PARSE_SPACE_BEFORE_COLON, PARSE_BAD_HEADER_VALUE, PARSE_OBS_FOLD_FIRST, PARSE_BAD_TRAILER,
  LIMIT_STATUS_LINE_BYTES, LIMIT_HEADER_BYTES, LIMIT_HEADER_LINE_BYTES, LIMIT_HEADER_COUNT, LIMIT_TRAILER_BYTES,
} from "../generated/spec";
import { fail, failed } from "../base/error";
import { limit } from "../base/limits";
import { CR, LF, HTAB, isToken, isWhitespace, isFieldValueByte, isDigit, trimWhitespace, trimmedLen } from "./chars";

/** Bytes per entry of the field index: name ptr, name len, value ptr, value len. */
export const FIELD_ENTRY_BYTES: u32 = 16;

// Buffers, carved at mh_init.
let buf: usize = 0;
let bufCap: u32 = 0;
let index: usize = 0;

// The section being parsed.
let sectionCap: u32 = 0;        // byte limit of this section (head or trailers)
let sectionLimitId: u32 = 0;    // the limit reported when sectionCap is exceeded
let inTrailers = false;
let expectStatusLine = false;
let len: u32 = 0;               // bytes held in buf
let lineStart: u32 = 0;
let fieldStart: u32 = 0;        // start of the last field line (an obs-fold continues it)
let limitStart: u32 = 0;        // where the current line's length is counted from
let sawCR = false;
let lineHasControl = false;     // the current line holds a control byte other than HTAB (or DEL)
let foldable = false;           // a field line precedes: an obs-fold may continue it
let reasonCut = false;          // the status line outgrew statusLineBytes: the rest of its reason is skipped

export let complete = false;
export let fieldCount: u32 = 0;
export let status: u32 = 0;
export let versionMinor: u32 = 0;
export let reasonPtr: usize = 0;
export let reasonLen: u32 = 0;

export function headInit(buffer: usize, capacity: u32, fieldIndex: usize): void {
  buf = buffer;
  bufCap = capacity;
  index = fieldIndex;
}

/** Zeroes the head buffer and field index between responses (mh_idle_wipe): no field stays readable. */
export function headWipe(): void {
  memory.fill(buf, 0, bufCap);
  memory.fill(index, 0, limit(LIMIT_HEADER_COUNT) * FIELD_ENTRY_BYTES);
  fieldCount = 0;
  reasonPtr = 0;
  reasonLen = 0;
}

/** Starts a new response head, or (trailers=true) a chunked trailer section. */
export function headStart(trailers: bool): void {
  inTrailers = trailers;
  expectStatusLine = !trailers;
  const limitId = trailers ? LIMIT_TRAILER_BYTES : LIMIT_HEADER_BYTES;
  // trailerBytes counts the trailer fields; the blank line that ends the
  // section is not a trailer, so it gets its 2 bytes on top (trailerBytes=0
  // still accepts "0\r\n\r\n"). headerBytes is the whole head buffer.
  sectionCap = min(limit(limitId) + (trailers ? 2 : 0), bufCap);
  sectionLimitId = limitId;
  len = 0;
  lineStart = 0;
  fieldStart = 0;
  limitStart = 0;
  sawCR = false;
  lineHasControl = false;
  foldable = false;
  reasonCut = false;
  complete = false;
  fieldCount = 0;
}

/** True once any byte of the section arrived (to tell "closed idle" from "truncated"). */
export function headStarted(): bool {
  return len > 0;
}

/** Consumes up to n bytes at p; stops after the blank line that ends the section.
 *  Runs of ordinary bytes are found by one scan and copied with memory.copy;
 *  only CR, LF and NUL take the byte-wise path. Errors and limits come out
 *  exactly as a byte-at-a-time walk would give them, so any split of the
 *  input gives the same result. */
export function headFeed(p: usize, n: u32): u32 {
  let i: u32 = 0;
  while (i < n) {
    if (sawCR) {
      if (len >= sectionCap) return limitError(sectionLimitId, i);
      const c = load<u8>(p + i);
      store<u8>(buf + len, c);
      len++;
      i++;
      if (c != LF) return parseError(PARSE_BARE_CR, i);
      sawCR = false;
      endLine();
      if (failed() || complete) return i;
      continue;
    }
    const start = i;
    i = skipOrdinaryBytes(p, i, n);
    // One pass finds the end of the run and notes any control byte, so the
    // line checks only look at values again when one was seen.
    for (; i < n; i++) {
      const c = load<u8>(p + i);
      if (c < 0x20 || c == 0x7f) {
        if (c == CR || c == LF || c == 0) break;
        if (c != HTAB) lineHasControl = true;
      }
    }
    const run = i - start;
    // the part of an over-long reason phrase past the limit is not kept
    if (run > 0 && !reasonCut) {
      if (len == lineStart) limitStart = foldable && isWhitespace(load<u8>(p + start)) ? fieldStart : lineStart;
      const sectionRoom = sectionCap - len;
      const lineMax = lineLimit();
      const lineUsed = len - limitStart;
      const lineRoom: u32 = lineUsed >= lineMax ? 0 : lineMax - lineUsed;
      // Byte-at-a-time, the section check comes first on the same byte.
      if (run > sectionRoom && sectionRoom <= lineRoom) return limitError(sectionLimitId, start + sectionRoom);
      if (run > lineRoom && !expectStatusLine) return limitError(LIMIT_HEADER_LINE_BYTES, start + lineRoom);
      // RFC 9112 §4: a client SHOULD ignore the reason phrase, so a status
      // line longer than statusLineBytes is cut there (the code is within
      // the limit's minimum), not refused.
      reasonCut = run > lineRoom;
      const kept = reasonCut ? lineRoom : run;
      memory.copy(buf + len, p + start, kept);
      len += kept;
    }
    if (i == n) break;
    if (len >= sectionCap) return limitError(sectionLimitId, i);
    const c = load<u8>(p + i);
    store<u8>(buf + len, c);
    len++;
    i++;
    if (c == CR) sawCR = true;
    else if (c == LF) return parseError(PARSE_BARE_LF, i);
    else return parseError(PARSE_NUL_BYTE, i);
  }
  return n;
}

// Eight bytes at a time while none of them is a control byte (below 0x20, or
// DEL): most of a head is ordinary text, and the byte loop after this only has
// to look at the few bytes around line ends. Plain 64-bit arithmetic (SWAR),
// so every build profile has it, SIMD or not.
const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

function skipOrdinaryBytes(p: usize, i: u32, n: u32): u32 {
  while (i + 8 <= n) {
    const x = load<u64>(p + i);
    const del = x ^ (ONES * 0x7f);
    // a byte below 0x20 sets its high bit here, and so does a byte equal to 0x7f
    const below = (x - ONES * 0x20) & ~x & HIGHS;
    const isDel = (del - ONES) & ~del & HIGHS;
    if ((below | isDel) != 0) break;
    i += 8;
  }
  return i;
}

function lineLimit(): u32 {
  return expectStatusLine ? limit(LIMIT_STATUS_LINE_BYTES) : limit(LIMIT_HEADER_LINE_BYTES);
}

function parseError(detail: u32, consumed: u32): u32 {
  fail(ERR_HTTP_PARSE, inTrailers && detail != PARSE_BARE_CR && detail != PARSE_BARE_LF ? PARSE_BAD_TRAILER : detail);
  return consumed;
}

function limitError(limitId: u32, consumed: u32): u32 {
  fail(ERR_HTTP_LIMIT, limitId);
  return consumed;
}

/** A CRLF arrived: the line is [lineStart, len - 2). */
function endLine(): void {
  const start = buf + lineStart;
  const lineLen = len - 2 - lineStart;
  lineStart = len;
  const control = lineHasControl;
  lineHasControl = false;
  if (expectStatusLine) {
    expectStatusLine = false;
    statusLine(start, lineLen, control);
    reasonCut = false;
  } else if (lineLen == 0) {
    complete = true;
  } else if (isWhitespace(load<u8>(start))) {
    obsFold(start, lineLen, control);
  } else {
    fieldLine(start, lineLen, control);
  }
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ]
function statusLine(p: usize, n: u32, control: bool): void {
  // "HTTP/1." DIGIT SP (HTTP-name is case-sensitive): other majors are not
  // HTTP/1.x; a 1.x minor above 1 is processed as 1.1 (RFC 9110 §2.5).
  if (!startsWithHttpSlash(p, n) || n < 9 || load<u8>(p + 5) != 49 || load<u8>(p + 6) != 46 || !isDigit(load<u8>(p + 7)) || load<u8>(p + 8) != 32) {
    fail(ERR_HTTP_PARSE, PARSE_BAD_VERSION);
    return;
  }
  versionMinor = load<u8>(p + 7) - 48;
  let code: u32 = 0;
  for (let i: u32 = 9; i < 12; i++) {
    const c: u32 = i < n ? load<u8>(p + i) : 0;
    if (!isDigit(c)) { fail(ERR_HTTP_PARSE, PARSE_BAD_STATUS_CODE); return; }
    code = code * 10 + (c - 48);
  }
  // RFC 9110 §15: a client SHOULD treat an invalid code as 5xx, so 600-999
  // are delivered as they are (hosts give them the 5xx class). Below 100
  // there is no class at all, and such a code could pass for a 1xx interim
  // response where a host compares with 200: refused.
  // After the code comes SP (a missing SP before an empty reason is tolerated).
  if (code < 100 || (n > 12 && load<u8>(p + 12) != 32)) { fail(ERR_HTTP_PARSE, PARSE_BAD_STATUS_CODE); return; }
  status = code;
  reasonPtr = p + 13;
  reasonLen = n > 13 ? n - 13 : 0;
  // (control bytes in the version or code already failed their own checks;
  // one in the skipped part of a cut reason is refused all the same)
  if (control && (reasonCut || !allFieldValueBytes(reasonPtr, reasonLen))) fail(ERR_HTTP_PARSE, PARSE_BAD_STATUS_LINE);
}

function startsWithHttpSlash(p: usize, n: u32): bool {
  return n >= 5 && load<u8>(p) == 72 && load<u8>(p + 1) == 84 && load<u8>(p + 2) == 84
    && load<u8>(p + 3) == 80 && load<u8>(p + 4) == 47;
}

// field-line = field-name ":" OWS field-value OWS
function fieldLine(p: usize, n: u32, control: bool): void {
  let nameLen: u32 = 0;
  while (nameLen < n && isToken(load<u8>(p + nameLen))) nameLen++;
  if (nameLen == n || nameLen == 0) { parseError(PARSE_BAD_HEADER_NAME, 0); return; }
  const sep = load<u8>(p + nameLen);
  if (sep != 58 /* : */) {
    parseError(isWhitespace(sep) ? PARSE_SPACE_BEFORE_COLON : PARSE_BAD_HEADER_NAME, 0);
    return;
  }
  const valueStart = p + nameLen + 1;
  const off = trimWhitespace(valueStart, n - nameLen - 1);
  if (control && !checkValue(valueStart + off, trimmedLen)) return;
  if (fieldCount >= limit(LIMIT_HEADER_COUNT)) { limitError(LIMIT_HEADER_COUNT, 0); return; }
  const entry = index + fieldCount * FIELD_ENTRY_BYTES;
  store<u32>(entry, <u32>p);
  store<u32>(entry, nameLen, 4);
  store<u32>(entry, <u32>(valueStart + off), 8);
  store<u32>(entry, trimmedLen, 12);
  fieldCount++;
  fieldStart = <u32>(p - buf);
  foldable = true;
}

// RFC 9112 §5.2: a user agent MUST replace each obs-fold in a response with
// SP before interpreting the value. The previous value and this line are
// both in buf, this line after it: the fold becomes one SP and this line's
// content moves left to follow it, so the value stays one contiguous view.
function obsFold(p: usize, n: u32, control: bool): void {
  if (!foldable) { parseError(PARSE_OBS_FOLD_FIRST, 0); return; }
  const off = trimWhitespace(p, n);
  const entry = index + (fieldCount - 1) * FIELD_ENTRY_BYTES;
  const valuePtr = <usize>load<u32>(entry, 8);
  if (control && !checkValue(p + off, trimmedLen)) return;
  if (trimmedLen == 0) return; // a fold of nothing adds nothing
  const oldLen = load<u32>(entry, 12);
  if (oldLen == 0) {
    store<u32>(entry, <u32>(p + off), 8);
    store<u32>(entry, trimmedLen, 12);
    return;
  }
  const oldEnd = valuePtr + oldLen;
  store<u8>(oldEnd, 32);
  memory.copy(oldEnd + 1, p + off, trimmedLen);
  store<u32>(entry, oldLen + 1 + trimmedLen, 12);
}

function checkValue(p: usize, n: u32): bool {
  if (allFieldValueBytes(p, n)) return true;
  parseError(PARSE_BAD_HEADER_VALUE, 0);
  return false;
}

function allFieldValueBytes(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) {
    if (!isFieldValueByte(load<u8>(p + i))) return false;
  }
  return true;
}

export function fieldIndex(): usize { return index; }
export function fieldNamePtr(i: u32): usize { return <usize>load<u32>(index + i * FIELD_ENTRY_BYTES); }
export function fieldNameLen(i: u32): u32 { return load<u32>(index + i * FIELD_ENTRY_BYTES, 4); }
export function fieldValuePtr(i: u32): usize { return <usize>load<u32>(index + i * FIELD_ENTRY_BYTES, 8); }
export function fieldValueLen(i: u32): u32 { return load<u32>(index + i * FIELD_ENTRY_BYTES, 12); }
