// Content-Encoding (gzip, deflate, br) of response bodies, decoded with
// node:zlib as the body is read. The body's chunks drive the decoder and the
// consumer pulls its output, so memory stays flat for any body size; two
// limits stop decompression bombs. The core itself stays identity-only.
import { createGunzip, createInflate, createInflateRaw, createBrotliDecompress, type Gunzip } from 'node:zlib';
import { ErrorCodes, errorMessages, parseDetailNames, parseDetailMessages } from './generated/spec.js';
import { MicroHttpsError } from './errors.js';
import type { Headers } from './headers.js';

export interface DecodeLimits {
  /** Most decoded bytes of one body (default 1 GiB). */
  maxBytes?: number;
  /** Most decoded bytes per received byte, checked once 1 MiB is decoded (default 200). */
  maxRatio?: number;
}

/** What Accept-Encoding offers by default: every coding decodeBody handles. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export const DEFAULT_DECODE_LIMITS: Required<DecodeLimits> = { maxBytes: 2 ** 30, maxRatio: 200 };
/** Below this many decoded bytes the ratio is not checked: a tiny compressed body may legitimately expand a lot. */
const RATIO_FLOOR = 2 ** 20;
/** Most codings applied one over another (undici's bound, after a decompression-chain denial of service). */
const MAX_CODINGS = 5;

type Decoder = () => Gunzip;
const DECODERS: Record<string, Decoder | 'deflate'> = {
  gzip: createGunzip, 'x-gzip': createGunzip, br: createBrotliDecompress, deflate: 'deflate',
};

/** The option (already checked with the others, options.ts) with its defaults filled in. */
export function decodeLimitsOf(limits: DecodeLimits | undefined): Required<DecodeLimits> {
  return {
    maxBytes: limits?.maxBytes ?? DEFAULT_DECODE_LIMITS.maxBytes,
    maxRatio: limits?.maxRatio ?? DEFAULT_DECODE_LIMITS.maxRatio,
  };
}

/**
 * The codings to undo, last applied first, from the Content-Encoding fields;
 * null when the body is to be delivered as it came: no coding, or one we do
 * not know (as requests and fetch do: the caller sees Content-Encoding and
 * the raw bytes).
 */
export function codingsToUndo(headers: Headers): string[] | null {
  const list = headers.getAll('content-encoding').flatMap((v) => v.split(','))
    .map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (list.length === 0 || list.some((c) => !(c in DECODERS))) return null;
  return list.reverse();
}

/** The decoded body: `source` (the raw chunks) run through each coding's decoder, checked against the limits. */
export async function* decodeBody(source: AsyncIterable<Uint8Array>, codings: string[], limits: Required<DecodeLimits>, url: string): AsyncGenerator<Uint8Array> {
  if (codings.length > MAX_CODINGS) throw decodeError(`${codings.length} content codings; at most ${MAX_CODINGS} are decoded`, url);
  const received = { bytes: 0 };
  let stream: AsyncIterable<Uint8Array> = counted(source, received);
  for (const coding of codings) stream = decodeOne(stream, coding, url);
  let decoded = 0;
  for await (const chunk of stream) {
    decoded += chunk.length;
    checkLimits(decoded, received.bytes, limits, url);
    yield chunk;
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, received: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    received.bytes += chunk.length;
    yield chunk;
  }
}

function checkLimits(decoded: number, received: number, limits: Required<DecodeLimits>, url: string): void {
  if (decoded > limits.maxBytes) {
    throw limitError('maxBytes', `the decoded body exceeds decodeLimits.maxBytes (${limits.maxBytes} bytes)`, url);
  }
  if (decoded > RATIO_FLOOR && decoded > limits.maxRatio * received) {
    throw limitError('maxRatio', `the body expands more than decodeLimits.maxRatio (${limits.maxRatio}x: ${decoded} bytes from ${received} received), a decompression bomb?`, url);
  }
}

function limitError(name: string, what: string, url: string): MicroHttpsError {
  const message = `HTTP_LIMIT: ${errorMessages[ErrorCodes.HTTP_LIMIT]} (${what}; raise decodeLimits.${name}, or pass decompress: false for the raw bytes) [${url}]`;
  return new MicroHttpsError('HTTP_LIMIT', message, { detailName: `decodeLimits.${name}` });
}

/** The HTTP_PARSE detail of a body that cannot be decoded. */
const BODY_DECODE = Number(Object.keys(parseDetailNames).find((id) => parseDetailNames[Number(id)] === 'BODY_DECODE'));

function decodeError(what: string, url: string, cause?: unknown): MicroHttpsError {
  const message = `HTTP_PARSE: ${errorMessages[ErrorCodes.HTTP_PARSE]} (${parseDetailMessages[BODY_DECODE]}: ${what}) [${url}]`;
  return new MicroHttpsError('HTTP_PARSE', message, { detail: BODY_DECODE, detailName: 'BODY_DECODE', cause });
}

/**
 * One coding: the chunks are written into a zlib stream (waiting for it to
 * drain) while its output is read; zlib stops inflating while its output is
 * unread, so neither side runs ahead. An empty body stays empty.
 */
async function* decodeOne(source: AsyncIterable<Uint8Array>, coding: string, url: string): AsyncGenerator<Uint8Array> {
  const input = source[Symbol.asyncIterator]();
  const first = await firstBytes(input);
  if (first === null) return;
  const decoder = decoderFor(coding, first);
  const feeding = feed(decoder, first, input).catch((err) => decoder.destroy(err));
  try {
    for await (const chunk of decoder) yield chunk as Buffer;
    await feeding;
  } catch (err) {
    if (err instanceof MicroHttpsError) throw err;
    throw decodeError(`${coding}: ${(err as Error).message}`, url, err);
  } finally {
    // not awaited: the feeder may be waiting for the network; it sees the
    // decoder destroyed and releases the body's source when it wakes
    decoder.destroy();
  }
}

/** At least the first two bytes (deflate's wrapper is told by them), or null for an empty body. */
async function firstBytes(input: AsyncIterator<Uint8Array>): Promise<Buffer | null> {
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < 2) {
    const next = await input.next();
    if (next.done) break;
    parts.push(next.value);
    length += next.value.length;
  }
  return length === 0 ? null : Buffer.concat(parts);
}

/** deflate is meant to be zlib-wrapped (RFC 9110 §8.4.1.2), but servers send raw deflate too: the header tells. */
function decoderFor(coding: string, first: Buffer): Gunzip {
  const make = DECODERS[coding];
  if (make !== 'deflate') return make();
  const zlibHeader = first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
  return zlibHeader ? createInflate() : createInflateRaw();
}

async function feed(decoder: Gunzip, first: Buffer, input: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    let chunk: Uint8Array = first;
    for (;;) {
      if (decoder.destroyed) return;
      if (!decoder.write(chunk)) await drainOrClose(decoder);
      const next = await input.next();
      if (next.done) break;
      chunk = next.value;
    }
    if (!decoder.destroyed) decoder.end();
  } finally {
    // stopped early (the consumer left, or an error): the body's source is released
    await input.return?.();
  }
}

function drainOrClose(decoder: Gunzip): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      decoder.off('drain', done);
      decoder.off('close', done);
      resolve();
    };
    decoder.on('drain', done);
    decoder.on('close', done);
  });
}
