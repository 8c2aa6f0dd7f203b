// One HTTP/1.1 response after another on a connection: head (with any 1xx
// interim heads first), then the body as framed by Content-Length, chunked
// or connection close. Fed in pieces of any size: one byte at a time gives
// the same events as one write. Body bytes are handed out as views into the
// caller's input, never copied.
import {
  EV_ERROR, EV_HEAD, EV_BODY, EV_TRAILERS, EV_DONE,
  ERR_HTTP_LIMIT, ERR_CLOSED, PARSE_TRUNCATED_HEAD, PARSE_TRUNCATED_BODY, PARSE_NO_CLOSE_NOTIFY,
  LIMIT_MAX_BODY_BYTES, LIMIT_INTERIM_RESPONSES,
} from "../generated/spec";
import { fail, failed } from "../base/error";
import { limit } from "../base/limits";
import { headStart, headFeed, headStarted, complete as headComplete, status, fieldCount } from "./headParser";
import { decideFraming, bodyMode, contentLength, BODY_NONE, BODY_LENGTH, BODY_CHUNKED } from "./framing";
import { chunkStart, chunkFeed, inChunkData, atLastChunk, chunkDataTaken, chunkRemaining } from "./chunkedDecoder";

/** parse() result meaning "give me more input". */
export const NEED_INPUT: u32 = 0;

const IDLE: u32 = 0;          // no response expected
const HEAD: u32 = 1;
const NEXT_HEAD: u32 = 2;     // an interim head was reported: the next head follows
const LENGTH: u32 = 3;
const CHUNKED: u32 = 4;
const TRAILERS: u32 = 5;
const UNTIL_CLOSE: u32 = 6;
const DONE: u32 = 7;          // complete: EV_DONE is reported next

let state: u32 = IDLE;
let requestWasHead = false;
let requestAskedClose = false;
let remaining: u64 = 0;
let bodyTotal: u64 = 0;
let interimCount: u32 = 0;

/** Bytes of input consumed by the last parse() call. */
export let consumed: u32 = 0;
export let bodyPtr: usize = 0;
export let bodyLen: u32 = 0;

export function expectResponse(wasHead: bool, askedClose: bool): void {
  requestWasHead = wasHead;
  requestAskedClose = askedClose;
  interimCount = 0;
  bodyTotal = 0;
  headStart(false);
  state = HEAD;
}

/** Parses from [p, p+n); returns an EV_* event or NEED_INPUT. */
export function parse(p: usize, n: u32): u32 {
  consumed = 0;
  while (!failed()) {
    const avail = n - consumed;
    const at = p + consumed;
    switch (state) {
      case HEAD:
        consumed += headFeed(at, avail);
        if (failed()) return EV_ERROR;
        if (!headComplete) return NEED_INPUT;
        return headDone();
      case NEXT_HEAD:
        headStart(false);
        state = HEAD;
        break;
      case LENGTH: {
        if (avail == 0) return NEED_INPUT;
        const ev = body(at, <u32>min(<u64>avail, remaining));
        if (ev == EV_BODY) {
          remaining -= bodyLen;
          if (remaining == 0) state = DONE;
        }
        return ev;
      }
      case CHUNKED:
        if (inChunkData()) {
          if (avail == 0) return NEED_INPUT;
          const ev = body(at, <u32>min(<u64>avail, chunkRemaining));
          if (ev == EV_BODY) chunkDataTaken(bodyLen);
          return ev;
        }
        if (atLastChunk()) {
          headStart(true);
          state = TRAILERS;
          break;
        }
        consumed += chunkFeed(at, avail);
        if (failed()) return EV_ERROR;
        if (!inChunkData() && !atLastChunk()) return NEED_INPUT;
        break;
      case TRAILERS:
        consumed += headFeed(at, avail);
        if (failed()) return EV_ERROR;
        if (!headComplete) return NEED_INPUT;
        state = DONE;
        if (fieldCount > 0) return EV_TRAILERS;
        break;
      case UNTIL_CLOSE:
        if (avail == 0) return NEED_INPUT;
        return body(at, avail);
      case DONE:
        state = IDLE;
        return EV_DONE;
      default:
        return NEED_INPUT;
    }
  }
  return EV_ERROR;
}

function headDone(): u32 {
  decideFraming(requestWasHead, requestAskedClose);
  if (failed()) return EV_ERROR;
  if (status < 200) {
    if (++interimCount > limit(LIMIT_INTERIM_RESPONSES)) {
      fail(ERR_HTTP_LIMIT, LIMIT_INTERIM_RESPONSES);
      return EV_ERROR;
    }
    state = NEXT_HEAD;
    return EV_HEAD;
  }
  const maxBody = limit(LIMIT_MAX_BODY_BYTES);
  if (bodyMode == BODY_LENGTH && maxBody != 0 && contentLength > <u64>maxBody) {
    fail(ERR_HTTP_LIMIT, LIMIT_MAX_BODY_BYTES);
    return EV_ERROR;
  }
  if (bodyMode == BODY_NONE) state = DONE;
  else if (bodyMode == BODY_LENGTH) { remaining = contentLength; state = LENGTH; }
  else if (bodyMode == BODY_CHUNKED) { chunkStart(); state = CHUNKED; }
  else state = UNTIL_CLOSE;
  return EV_HEAD;
}

/** Hands out `take` body bytes at `at` as a view. Under maxBodyBytes the
 *  bytes up to the limit are handed out first and the error comes with the
 *  first byte beyond it, so the result does not depend on how input is split. */
function body(at: usize, take: u32): u32 {
  const maxBody = limit(LIMIT_MAX_BODY_BYTES);
  if (maxBody != 0 && bodyTotal + take > <u64>maxBody) {
    if (bodyTotal >= <u64>maxBody) {
      fail(ERR_HTTP_LIMIT, LIMIT_MAX_BODY_BYTES);
      return EV_ERROR;
    }
    take = <u32>(<u64>maxBody - bodyTotal);
  }
  bodyTotal += take;
  bodyPtr = at;
  bodyLen = take;
  consumed += take;
  return EV_BODY;
}

/** The peer ended the stream. `clean`: it said so first (TLS close_notify) or
 *  there is no TLS. Returns EV_DONE or EV_ERROR: a message cut short is never
 *  reported as complete. */
export function parseEof(clean: bool): u32 {
  if (state == DONE) { state = IDLE; return EV_DONE; }
  if (state == UNTIL_CLOSE) {
    if (!clean) { fail(ERR_CLOSED, PARSE_NO_CLOSE_NOTIFY); return EV_ERROR; }
    state = IDLE;
    return EV_DONE;
  }
  // Closed before any byte of the response: detail 0 (the request got no
  // answer at all, e.g. an idle connection the server had already closed).
  if (state == HEAD || state == NEXT_HEAD) fail(ERR_CLOSED, headStarted() || interimCount > 0 ? PARSE_TRUNCATED_HEAD : 0);
  else fail(ERR_CLOSED, PARSE_TRUNCATED_BODY);
  return EV_ERROR;
}
