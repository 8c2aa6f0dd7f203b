// The chunked transfer coding (RFC 9112 §7.1): sizes, extensions (checked
// and skipped), and the CRLF after each chunk. Chunk data itself is handed
// out by the response parser as views; this decoder only walks the framing.
import {
  ERR_HTTP_PARSE, ERR_HTTP_LIMIT, PARSE_BAD_CHUNK_SIZE, PARSE_BAD_CHUNK_EXTENSION, PARSE_MISSING_CRLF, PARSE_BARE_CR,
  PARSE_BARE_LF, LIMIT_CHUNK_LINE_BYTES,
} from "../generated/spec";
import { fail } from "../base/error";
import { limit } from "../base/limits";
import { CR, LF, SP, HTAB, DQUOTE, SEMICOLON, EQUALS, BACKSLASH, DEL, isToken, isWhitespace, hexValue } from "./chars";

// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
// BWS may precede ";" or "=" only: "5 \r\n" and "5;a=1 \r\n" are refused.
const SIZE: u32 = 0;             // hex digits of chunk-size
const SIZE_BWS: u32 = 1;         // whitespace after the size: ";" must follow
const EXT_NAME_START: u32 = 2;   // BWS after ";", then the name
const EXT_NAME: u32 = 3;
const EXT_NAME_BWS: u32 = 4;     // whitespace after a name: "=" or ";" must follow
const EXT_VALUE_START: u32 = 5;  // BWS after "=", then a token or quoted-string
const EXT_TOKEN: u32 = 6;
const EXT_QUOTED: u32 = 7;
const EXT_QUOTED_ESCAPE: u32 = 8;
const EXT_AFTER_VALUE: u32 = 9;  // after a value: ";", BWS before ";", or CR
const LINE_LF: u32 = 10;         // CR seen, LF expected
const DATA: u32 = 11;            // chunk data: the caller hands it out
const DATA_CR: u32 = 12;
const DATA_LF: u32 = 13;
const LAST: u32 = 14;            // the zero-size chunk's line is done: trailers follow

const MAX_CHUNK_SIZE: u64 = 9007199254740991;

let state: u32 = SIZE;
let digits: u32 = 0;
let lineBytes: u32 = 0;         // bytes of the chunk-size line before its CRLF
let valueBws = false;           // EXT_AFTER_VALUE saw whitespace: only ";" may follow
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
    if (state < LINE_LF && c != CR && ++lineBytes > limit(LIMIT_CHUNK_LINE_BYTES)) {
      fail(ERR_HTTP_LIMIT, LIMIT_CHUNK_LINE_BYTES);
      return i;
    }
    if (!step(c)) return i;
  }
  return i;
}

function step(c: u32): bool {
  if (c == LF && state < LINE_LF) return bad(PARSE_BARE_LF);
  switch (state) {
    case SIZE: {
      const v = hexValue(c);
      if (v >= 0) {
        // Leading zeros are valid (1*HEXDIG); the value is capped, not the digit count.
        chunkRemaining = (chunkRemaining << 4) | <u64>v;
        digits++;
        if (chunkRemaining > MAX_CHUNK_SIZE) return bad(PARSE_BAD_CHUNK_SIZE);
        return true;
      }
      if (digits == 0) return bad(PARSE_BAD_CHUNK_SIZE);
      if (c == CR) { state = LINE_LF; return true; }
      if (c == SEMICOLON) { state = EXT_NAME_START; return true; }
      if (isWhitespace(c)) { state = SIZE_BWS; return true; }
      return bad(PARSE_BAD_CHUNK_SIZE);
    }
    case SIZE_BWS:
      if (isWhitespace(c)) return true;
      if (c == SEMICOLON) { state = EXT_NAME_START; return true; }
      return bad(PARSE_BAD_CHUNK_SIZE);
    case EXT_NAME_START:
      if (isWhitespace(c)) return true;
      if (isToken(c)) { state = EXT_NAME; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_NAME:
      if (isToken(c)) return true;
      if (c == CR) { state = LINE_LF; return true; }
      // fall through: "=", ";" or whitespace end the name
    case EXT_NAME_BWS:
      if (isWhitespace(c)) { state = EXT_NAME_BWS; return true; }
      if (c == EQUALS) { state = EXT_VALUE_START; return true; }
      if (c == SEMICOLON) { state = EXT_NAME_START; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_VALUE_START:
      if (isWhitespace(c)) return true;
      if (c == DQUOTE) { state = EXT_QUOTED; return true; }
      if (isToken(c)) { state = EXT_TOKEN; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_TOKEN:
      if (isToken(c)) return true;
      state = EXT_AFTER_VALUE;
      valueBws = false;
      return step(c);
    case EXT_QUOTED:
      if (c == DQUOTE) { state = EXT_AFTER_VALUE; valueBws = false; return true; }
      if (c == BACKSLASH) { state = EXT_QUOTED_ESCAPE; return true; }
      if (isQuotedText(c)) return true;
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_QUOTED_ESCAPE:
      if (isQuotedText(c) || c == DQUOTE || c == BACKSLASH) { state = EXT_QUOTED; return true; }
      return bad(PARSE_BAD_CHUNK_EXTENSION);
    case EXT_AFTER_VALUE:
      if (c == SEMICOLON) { state = EXT_NAME_START; return true; }
      if (isWhitespace(c)) { valueBws = true; return true; }
      if (c == CR && !valueBws) { state = LINE_LF; return true; }
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

/** qdtext and the bytes a quoted-pair may escape, less '"' and '\\' (RFC 9110 §5.6.4). */
function isQuotedText(c: u32): bool {
  return c == HTAB || (c >= SP && c != DEL && c != DQUOTE && c != BACKSLASH);
}

function bad(detail: u32): bool {
  fail(ERR_HTTP_PARSE, detail);
  return false;
}
