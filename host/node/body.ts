// Request bodies as users hand them over, turned into what the connection
// sends: bytes (Content-Length) or a stream of chunks (chunked).
import { randomBytes } from 'node:crypto';

export type BodyInit = string | Uint8Array | ArrayBuffer | AsyncIterable<Uint8Array | string> | null | undefined;
export type FormData = Record<string, string | number | boolean> | Iterable<[string, string]>;
export type MultipartField = string | { filename: string; content: Uint8Array | string; type?: string };

export interface EncodedBody {
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
  contentType?: string;
  /** Whether the body can be sent again (a redirect that keeps the body needs that). */
  replayable: boolean;
}

const encoder = new TextEncoder();

/** One of json / data / body, in that order of precedence (like requests). */
export function encodeBody(options: { json?: unknown; data?: string | Uint8Array | FormData; body?: BodyInit }): EncodedBody {
  if (options.json !== undefined) {
    return { body: encoder.encode(JSON.stringify(options.json)), contentType: 'application/json', replayable: true };
  }
  if (options.data !== undefined) {
    if (typeof options.data === 'string' || options.data instanceof Uint8Array) return encodeBody({ body: options.data });
    return { body: encoder.encode(formEncode(options.data)), contentType: 'application/x-www-form-urlencoded', replayable: true };
  }
  const body = options.body;
  if (body == null) return { body: null, replayable: true };
  if (typeof body === 'string') return { body: encoder.encode(body), replayable: true };
  if (body instanceof Uint8Array) return { body, replayable: true };
  if (body instanceof ArrayBuffer) return { body: new Uint8Array(body), replayable: true };
  if (Symbol.asyncIterator in Object(body)) return { body: asBytes(body), replayable: false };
  throw new TypeError('body must be a string, bytes, an async iterable or a Readable stream');
}

/** application/x-www-form-urlencoded, as HTML forms and requests' data= do. */
export function formEncode(data: FormData): string {
  const pairs = Symbol.iterator in Object(data) ? [...(data as Iterable<[string, string]>)] : Object.entries(data);
  return new URLSearchParams(pairs.map(([k, v]) => [String(k), String(v)])).toString();
}

async function* asBytes(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
}

/** multipart/form-data (RFC 7578), for curl's -F habit. */
export function multipart(fields: [string, MultipartField][]): EncodedBody {
  const boundary = `microhttps-${randomBytes(12).toString('hex')}`;
  const parts: Uint8Array[] = [];
  const quote = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
  for (const [name, field] of fields) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"`;
    if (typeof field === 'string') {
      parts.push(encoder.encode(`${head}\r\n\r\n`), encoder.encode(field));
    } else {
      head += `; filename="${quote(field.filename)}"\r\nContent-Type: ${field.type ?? 'application/octet-stream'}`;
      parts.push(encoder.encode(`${head}\r\n\r\n`), typeof field.content === 'string' ? encoder.encode(field.content) : field.content);
    }
    parts.push(encoder.encode('\r\n'));
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}`, replayable: true };
}

/** Authorization: Basic for requests' auth=(user, pass). */
export function basicAuth([user, pass]: readonly [string, string]): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}
