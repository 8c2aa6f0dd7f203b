// Builds the request head in its own buffer, refusing anything that could
// smuggle a second request or header (CR, LF, NUL, non-token names) before a
// single byte is sent, then frames the body (Content-Length or chunked).
import {
  ERR_REQUEST_INVALID, REQ_BAD_METHOD, REQ_BAD_TARGET, REQ_BAD_HEADER_NAME, REQ_BAD_HEADER_VALUE, REQ_HEAD_TOO_LARGE,
  REQ_BAD_HOST, REQ_MANAGED_HEADER, REQ_UNSUPPORTED_METHOD, REQ_BODY_LENGTH,
  BODY_NONE, BODY_LENGTH, BODY_CHUNKED, ERR_CONFIG, LIMIT_REQUEST_HEAD_BYTES,
} from "../generated/spec";
import { limit } from "../base/limits";
import { listContains } from "./fieldList";
import { isToken, isFieldValueByte, equalsIgnoreCase, equalsExact, writeAscii } from "./chars";

let buf: usize = 0;
let cap: u32 = 0;
let len: u32 = 0;
let sent: u32 = 0;

export let requestIsHead = false;
export let requestAskedClose = false;
export let bodyKind: u32 = BODY_NONE;
let bodyRemaining: u64 = 0;

export function writerInit(buffer: usize, capacity: u32): void {
  buf = buffer;
  cap = capacity;
}

/** Zeroes the request-head buffer once its request is sent (mh_idle_wipe). */
export function writerWipe(): void {
  memory.fill(buf, 0, cap);
}

/** Request line and Host. Returns 0 or an error code (detail in writerDetail). */
export let writerDetail: u32 = 0;
export function requestStart(method: usize, methodLen: u32, target: usize, targetLen: u32, host: usize, hostLen: u32): u32 {
  len = 0;
  sent = 0;
  bodyKind = BODY_NONE;
  requestAskedClose = false;
  if (methodLen == 0 || !allBytes(method, methodLen, CLASS_TOKEN)) return invalid(REQ_BAD_METHOD);
  if (targetLen == 0 || !allBytes(target, targetLen, CLASS_TARGET)) return invalid(REQ_BAD_TARGET);
  if (hostLen == 0 || !allBytes(host, hostLen, CLASS_HOST)) return invalid(REQ_BAD_HOST);
  // Methods are case-sensitive: only "HEAD" itself has no response body.
  requestIsHead = equalsExact(method, methodLen, "HEAD");
  // A 2xx to CONNECT turns the connection into a tunnel (RFC 9112 §6.3 rule 2),
  // which the core does not carry: refuse it rather than misread the tunnel.
  if (equalsExact(method, methodLen, "CONNECT")) return invalid(REQ_UNSUPPORTED_METHOD);
  if (!append(method, methodLen) || !appendAscii(" ") || !append(target, targetLen)
    || !appendAscii(" HTTP/1.1\r\nHost: ") || !append(host, hostLen) || !appendAscii("\r\n")) return tooLarge();
  return 0;
}

export function requestHeader(name: usize, nameLen: u32, value: usize, valueLen: u32): u32 {
  if (nameLen == 0 || !allBytes(name, nameLen, CLASS_TOKEN)) return invalid(REQ_BAD_HEADER_NAME);
  if (!allBytes(value, valueLen, CLASS_VALUE)) return invalid(REQ_BAD_HEADER_VALUE);
  // Framing headers are the writer's alone: a second Content-Length from the
  // caller would give the server two lengths to choose from.
  if (equalsIgnoreCase(name, nameLen, "host") || equalsIgnoreCase(name, nameLen, "content-length")
    || equalsIgnoreCase(name, nameLen, "transfer-encoding")) return invalid(REQ_MANAGED_HEADER);
  if (equalsIgnoreCase(name, nameLen, "connection") && listContains(value, valueLen, "close")) requestAskedClose = true;
  if (!append(name, nameLen) || !appendAscii(": ") || !append(value, valueLen) || !appendAscii("\r\n")) return tooLarge();
  return 0;
}

/** Ends the head with the body's framing. `length` is used for BODY_LENGTH. */
export function requestEnd(kind: u32, length: u64): u32 {
  bodyKind = kind;
  bodyRemaining = length;
  if (kind == BODY_LENGTH) {
    if (!appendAscii("Content-Length: ") || !appendDecimal(length) || !appendAscii("\r\n")) return tooLarge();
  } else if (kind == BODY_CHUNKED) {
    if (!appendAscii("Transfer-Encoding: chunked\r\n")) return tooLarge();
  } else if (kind != BODY_NONE) {
    return ERR_CONFIG;
  }
  if (!appendAscii("\r\n")) return tooLarge();
  if (kind == BODY_LENGTH && length == 0) bodyKind = BODY_NONE;
  return 0;
}

export function headPending(): bool {
  return sent < len;
}

/** Copies as much of the head as fits into [dst, dst+room); returns the count. */
export function copyHeadTo(dst: usize, room: u32): u32 {
  const n = min(room, len - sent);
  memory.copy(dst, buf + sent, n);
  sent += n;
  return n;
}

/** Frames and copies up to n body bytes from src into [dst, dst+room).
 *  Returns the number of body bytes taken (0 if the window is too small);
 *  `framedBytes` is what was written to dst. */
export let framedBytes: u32 = 0;
const CHUNK_OVERHEAD: u32 = 8 + 2 + 2; // hex size (up to 8 digits), CRLF, CRLF
export function bodyWrite(src: usize, n: u32, dst: usize, room: u32): i64 {
  framedBytes = 0;
  if (bodyKind == BODY_LENGTH) {
    if (<u64>n > bodyRemaining) return -<i64>REQ_BODY_LENGTH;
    const take = min(n, room);
    memory.copy(dst, src, take);
    bodyRemaining -= take;
    framedBytes = take;
    return take;
  }
  if (room <= CHUNK_OVERHEAD || n == 0) return 0;
  const take = min(n, room - CHUNK_OVERHEAD);
  let at = dst + writeHex(dst, take);
  at += writeAscii(at, "\r\n");
  memory.copy(at, src, take);
  at += take;
  at += writeAscii(at, "\r\n");
  framedBytes = <u32>(at - dst);
  return take;
}

/** Bytes the body terminator needs in the send window, or -error. */
export function bodyEndBytes(): i64 {
  if (bodyKind == BODY_LENGTH && bodyRemaining != 0) return -<i64>REQ_BODY_LENGTH;
  return bodyKind == BODY_CHUNKED ? 5 : 0;
}

export function writeBodyEnd(dst: usize): u32 {
  return bodyKind == BODY_CHUNKED ? writeAscii(dst, "0\r\n\r\n") : 0;
}

// Byte classes for validation.
const CLASS_TOKEN: u32 = 0;
const CLASS_TARGET: u32 = 1;  // visible ASCII only: no space, control, DEL or raw non-ASCII
const CLASS_HOST: u32 = 2;    // visible ASCII except "/", "@", "?" and "#"
const CLASS_VALUE: u32 = 3;   // field-vchar, SP, HTAB: never CR, LF or NUL

function allBytes(p: usize, n: u32, cls: u32): bool {
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    let ok: bool;
    if (cls == CLASS_TOKEN) ok = isToken(c);
    else if (cls == CLASS_VALUE) ok = isFieldValueByte(c);
    else {
      ok = c > 0x20 && c < 0x7f;
      if (cls == CLASS_HOST) ok = ok && c != 47 && c != 64 && c != 63 && c != 35;
    }
    if (!ok) return false;
  }
  return true;
}

function invalid(detail: u32): u32 {
  writerDetail = detail;
  len = 0;
  return ERR_REQUEST_INVALID;
}

function tooLarge(): u32 {
  return invalid(REQ_HEAD_TOO_LARGE);
}

function room(): u32 {
  return min(cap, limit(LIMIT_REQUEST_HEAD_BYTES)) - len;
}

function append(p: usize, n: u32): bool {
  if (n > room()) return false;
  memory.copy(buf + len, p, n);
  len += n;
  return true;
}

function appendAscii(literal: string): bool {
  if (<u32>literal.length > room()) return false;
  len += writeAscii(buf + len, literal);
  return true;
}

function appendDecimal(v: u64): bool {
  let digits: u32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  if (digits > room()) return false;
  for (let i = digits; i > 0; i--) {
    store<u8>(buf + len + i - 1, <u8>(48 + v % 10));
    v /= 10;
  }
  len += digits;
  return true;
}

function writeHex(dst: usize, v: u32): u32 {
  let digits: u32 = 1;
  for (let t = v; t >= 16; t >>= 4) digits++;
  for (let i = digits; i > 0; i--) {
    const d = v & 15;
    store<u8>(dst + i - 1, <u8>(d < 10 ? 48 + d : 87 + d));
    v >>= 4;
  }
  return digits;
}
