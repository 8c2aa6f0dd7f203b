// The chunked transfer coding (RFC 9112 §7.1): sizes, extensions (checked
// and skipped), and the CRLF after each chunk. Chunk data itself is handed
// out by the response parser as views; this decoder only walks the framing.
import {
  ERR_HTTP_PARSE, ERR_HTTP_LIMIT, PARSE_BAD_CHUNK_SIZE, PARSE_BAD_CHUNK_EXTENSION, PARSE_MISSING_CRLF, PARSE_BARE_CR,
  LIMIT_CHUNK_LINE_BYTES,
} from "../generated/spec";
import { fail } from "../core/error";
import { limit } from "../core/limits";
import { CR, LF, isToken, isWhitespace, hexValue } from "./chars";

const SIZE: u32 = 0;             // hex digits of chunk-size
const AFTER_SIZE: u32 = 1;       // BWS before ";" or CRLF
const EXT_NAME_START: u32 = 2;
const EXT_NAME: u32 = 3;
const EXT_AFTER_NAME: u32 = 4;
const EXT_VALUE_START: u32 = 5;
const EXT_TOKEN: u32 = 6;
const EXT_QUOTED: u32 = 7;
const EXT_QUOTED_ESCAPE: u32 = 8;
const EXT_AFTER_VALUE: u32 = 9;
const LINE_LF: u32 = 10;         // CR seen, LF expected
const DATA: u32 = 11;            // chunk data: the caller hands it out
const DATA_CR: u32 = 12;
const DATA_LF: u32 = 13;
const LAST: u32 = 14;            // the zero-size chunk's line is done: trailers follow

const MAX_CHUNK_SIZE: u64 = 9007199254740991;

let state: u32 = SIZE;
let digits: u32 = 0;
let lineBytes: u32 = 0;
export let chunkRemaining: u64 = 0;

export function chunkStart(): void {
  state = SIZE;
  digits = 0;
  lineBytes = 0;
  chunkRemaining = 0;
}

export function inChunkData(): bool {
  return state == DATA;
}

export function atLastChunk(): bool {
  return state == LAST;
}

/** The caller handed out k bytes of chunk data. */
export function chunkDataTaken(k: u32): void {
  chunkRemaining -= k;
  if (chunkRemaining == 0) state = DATA_CR;
}

/** Walks framing bytes; stops at chunk data, at the last chunk, or on error. */
export function chunkFeed(p: usize, n: u32): u32 {
  let i: u32 = 0;
  for (; i < n && state != DATA && state != LAST; i++) {
    const c = <u32>load<u8>(p + i);
    if (state < DATA && ++lineBytes > limit(LIMIT_CHUNK_LINE_BYTES)) {
      fail(ERR_HTTP_LIMIT, LIMIT_CHUNK_LINE_BYTES);
      return i;
    }
    if (!step(c)) return i;
  }
  return i;
}

function step(c: u32): bool {
  switch (state) {
    case SIZE: {
      const v = hexValue(c);
      if (v >= 0) {
        chunkRemaining = (chunkRemaining << 4) | <u64>v;
        if (++digits > 14 || chunkRemaining > MAX_CHUNK_SIZE) return bad(PARSE_BAD_CHUNK_SIZE);
        return true;
      }
      if (digits == 0) return bad(PARSE_BAD_CHUNK_SIZE);
      state = AFTER_SIZE;
      return step(c);
    }
    case AFTER_SIZE:
    case EXT_AFTER_VALUE:
      if (isWhitespace(c)) return true;
      if (c == 59 /* ; */) { state = EXT_NAME_START; return true; }
      if (c == CR) { state = LINE_LF; return true; }
      return bad(state == AFTER_SIZE ? PARSE_BAD_CHUNK_SIZE : PARSE_BAD_CHUNK_EXTENSION);
    case EXT_NAME_START:
      if (isWhitespace(c)) return true;
      if (isToken(c)) { state = EXT_NAME; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_NAME:
    case EXT_AFTER_NAME:
      if (state == EXT_NAME && isToken(c)) return true;
      if (isWhitespace(c)) { state = EXT_AFTER_NAME; return true; }
      if (c == 61 /* = */) { state = EXT_VALUE_START; return true; }
      if (c == 59) { state = EXT_NAME_START; return true; }
      if (c == CR) { state = LINE_LF; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_VALUE_START:
      if (isWhitespace(c)) return true;
      if (c == 34 /* " */) { state = EXT_QUOTED; return true; }
      if (isToken(c)) { state = EXT_TOKEN; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_TOKEN:
      if (isToken(c)) return true;
      state = EXT_AFTER_VALUE;
      return step(c);
    case EXT_QUOTED:
      if (c == 34) { state = EXT_AFTER_VALUE; return true; }
      if (c == 92 /* \ */) { state = EXT_QUOTED_ESCAPE; return true; }
      if (c == 9 || (c >= 0x20 && c != 0x7f)) return true;
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_QUOTED_ESCAPE:
      if (c == 9 || (c >= 0x20 && c != 0x7f)) { state = EXT_QUOTED; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case LINE_LF:
      if (c != LF) return bad(PARSE_BARE_CR);
      lineBytes = 0;
      digits = 0;
      state = chunkRemaining == 0 ? LAST : DATA;
      return true;
    case DATA_CR:
      if (c != CR) return bad(PARSE_MISSING_CRLF);
      state = DATA_LF;
      return true;
    case DATA_LF:
      if (c != LF) return bad(PARSE_MISSING_CRLF);
      state = SIZE;
      return true;
  }
  return bad(PARSE_BAD_CHUNK_SIZE);
}

function bad(detail: u32): bool {
  fail(ERR_HTTP_PARSE, detail);
  return false;
}
