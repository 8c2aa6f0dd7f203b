// How long is the body? RFC 9112 §6.3, taking the safer reading wherever the
// RFC leaves a choice (each choice is recorded in vectors/http/).
import {
  ERR_HTTP_PARSE, PARSE_BAD_CONTENT_LENGTH, PARSE_CONFLICTING_CONTENT_LENGTH, PARSE_LENGTH_AND_CHUNKED,
  PARSE_BAD_TRANSFER_ENCODING, PARSE_UNEXPECTED_SWITCH, PARSE_TRANSFER_ENCODING_IN_HTTP10,
} from "../generated/spec";
import { fail } from "../base/error";
import { equalsIgnoreCase, isDigit } from "./chars";
import { firstElement, nextElement, elementLen, NO_ELEMENT } from "./fieldList";
import { fieldCount, fieldNamePtr, fieldNameLen, fieldValuePtr, fieldValueLen, status, versionMinor } from "./headParser";

export const BODY_NONE: u32 = 0;
export const BODY_LENGTH: u32 = 1;
export const BODY_CHUNKED: u32 = 2;
export const BODY_UNTIL_CLOSE: u32 = 3;

export let bodyMode: u32 = BODY_NONE;
export let contentLength: u64 = 0;
/** The server allows another request on this connection after this response. */
export let persistent = false;

// Content-Length fits in 2^53 - 1 so that every host language holds it exactly.
const MAX_CONTENT_LENGTH: u64 = 9007199254740991;

/** Decides framing for the head just parsed. `requestWasHead` and
 *  `requestAskedClose` come from the request writer. */
export function decideFraming(requestWasHead: bool, requestAskedClose: bool): void {
  let lengthSeen = false;
  let codingSeen = false;       // a Transfer-Encoding field was present
  let chunked = false;
  let otherCoding = false;
  let close = false;
  let keepAlive = false;
  contentLength = 0;
  for (let i: u32 = 0; i < fieldCount; i++) {
    const name = fieldNamePtr(i), nameLen = fieldNameLen(i);
    const value = fieldValuePtr(i), valueLen = fieldValueLen(i);
    if (equalsIgnoreCase(name, nameLen, "content-length")) {
      // Even equal duplicates are refused (RFC 9110 §8.6 allows either).
      if (lengthSeen) { fail(ERR_HTTP_PARSE, PARSE_CONFLICTING_CONTENT_LENGTH); return; }
      lengthSeen = true;
      if (!parseLength(value, valueLen)) return;
    } else if (equalsIgnoreCase(name, nameLen, "transfer-encoding")) {
      codingSeen = true;
      for (let t = firstElement(value, valueLen); elementLen != NO_ELEMENT; t = nextElement(value, valueLen)) {
        if (elementLen == 0) continue; // empty list elements are allowed (RFC 9110 §5.6.1)
        if (!equalsIgnoreCase(t, elementLen, "chunked") || chunked) otherCoding = true;
        else chunked = true;
      }
    } else if (equalsIgnoreCase(name, nameLen, "connection")) {
      for (let t = firstElement(value, valueLen); elementLen != NO_ELEMENT; t = nextElement(value, valueLen)) {
        if (equalsIgnoreCase(t, elementLen, "close")) close = true;
        else if (equalsIgnoreCase(t, elementLen, "keep-alive")) keepAlive = true;
      }
    }
  }

  // Only chunked is decoded, so only chunked is accepted: handing out
  // still-encoded bytes as "the body" would be wrong, and guessing is unsafe.
  // A Transfer-Encoding field with no coding at all is refused too, rather
  // than letting a Content-Length beside it decide (RFC 9112 §6.3 rule 4
  // would read such a body until close).
  if (otherCoding || (codingSeen && !chunked)) { fail(ERR_HTTP_PARSE, PARSE_BAD_TRANSFER_ENCODING); return; }
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated
  // as if its framing were faulty; the safe treatment is to refuse it.
  if (codingSeen && versionMinor == 0) { fail(ERR_HTTP_PARSE, PARSE_TRANSFER_ENCODING_IN_HTTP10); return; }
  // Both at once is the classic request-smuggling shape: refuse (§6.3 rule 3 allows it).
  if (chunked && lengthSeen) { fail(ERR_HTTP_PARSE, PARSE_LENGTH_AND_CHUNKED); return; }
  if (status == 101) { fail(ERR_HTTP_PARSE, PARSE_UNEXPECTED_SWITCH); return; }

  if (requestWasHead || status < 200 || status == 204 || status == 304) bodyMode = BODY_NONE;
  else if (chunked) bodyMode = BODY_CHUNKED;
  else if (lengthSeen) bodyMode = contentLength == 0 ? BODY_NONE : BODY_LENGTH;
  else bodyMode = BODY_UNTIL_CLOSE;

  const http11 = versionMinor >= 1;
  persistent = !requestAskedClose && !close && bodyMode != BODY_UNTIL_CLOSE && (http11 || keepAlive);
}

function parseLength(p: usize, n: u32): bool {
  if (n == 0) { fail(ERR_HTTP_PARSE, PARSE_BAD_CONTENT_LENGTH); return false; }
  let v: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = load<u8>(p + i);
    if (!isDigit(c)) {
      // "5, 5" is a list: a second value, refused like a second field.
      const code = c == 44 ? PARSE_CONFLICTING_CONTENT_LENGTH : PARSE_BAD_CONTENT_LENGTH;
      fail(ERR_HTTP_PARSE, code);
      return false;
    }
    v = v * 10 + (c - 48);
    if (v > MAX_CONTENT_LENGTH) { fail(ERR_HTTP_PARSE, PARSE_BAD_CONTENT_LENGTH); return false; }
  }
  contentLength = v;
  return true;
}
