// fetch(input, init) on top of the core, returning the platform's WHATWG
// Response (body as a ReadableStream), so code written for fetch runs as is.
import { defaultSession } from './api.js';
import { hostError } from './errors.js';
import type { Session } from './session.js';
import { checkOptions, fetchRules, microhttpsOptions, type RequestOptions } from './options.js';

/** What fetch accepts, plus microhttps options (ca, timeout, limits, ...). */
export type FetchInit = RequestInit & Omit<RequestOptions, 'method' | 'headers' | 'body' | 'redirect' | 'signal'> & { session?: Session };

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export async function fetch(input: string | URL | Request, init: FetchInit = {}): Promise<globalThis.Response> {
  checkOptions(init, fetchRules);
  const session = init.session ?? defaultSession;
  const req = input instanceof Request ? input : undefined;
  const url = req ? req.url : String(input);
  const method = (init.method ?? req?.method ?? 'GET').toUpperCase();
  const headers = fetchHeaders(init.headers ?? req?.headers ?? {});
  const mode = init.redirect ?? req?.redirect ?? 'follow';
  const { body, contentType } = await fetchBody(init.body ?? (req && req.body ? req.body : null));
  if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
  const res = await session.request(url, {
    ...microhttpsOptions(init),
    method,
    headers: [...headers],
    body,
    signal: init.signal ?? req?.signal ?? undefined,
    redirect: mode === 'follow' ? 20 : false,
    stream: true,
  });
  if (mode === 'error' && [301, 302, 303, 307, 308].includes(res.status)) {
    await res.close();
    throw new TypeError(`fetch: redirect to ${res.headers.get('location')} with redirect: "error"`, { cause: hostError('REDIRECT', res.url) });
  }
  const nullBody = NULL_BODY_STATUS.has(res.status) || method === 'HEAD';
  // reading the (empty) body lets the connection go back to the pool
  if (nullBody) for await (const chunk of res.iterContent()) void chunk;
  const stream = nullBody ? null : toReadableStream(res.iterContent());
  // The platform's Response takes 200-599 only; a server's 600-999 (RFC 9110
  // §15: treated as 5xx, as undici's fetch does) is carried over as it came.
  const constructible = res.status <= 599;
  const out = new globalThis.Response(stream, {
    status: constructible ? res.status : 599,
    statusText: res.reason,
    headers: [...res.headers],
  });
  if (!constructible) Object.defineProperty(out, 'status', { value: res.status });
  Object.defineProperty(out, 'url', { value: res.url });
  Object.defineProperty(out, 'redirected', { value: res.redirected });
  return out;
}

/** The platform's Headers; a name or value it refuses is a CONFIG error naming it. */
function fetchHeaders(init: HeadersInit): Headers {
  try {
    return new Headers(init);
  } catch (err) {
    throw hostError('CONFIG', `headers: ${(err as Error).message}`, err);
  }
}

/** A pull-based stream: the body is read from the core only as the consumer asks. */
function toReadableStream(chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/**
 * fetch's body types to what the connection sends, with the Content-Type fetch
 * implies (text/plain for strings, form-urlencoded for URLSearchParams,
 * multipart for FormData, a Blob's own type). The platform's Response does the
 * encoding, so FormData and Blob come out exactly as fetch would send them;
 * only streams stay streams (sent chunked).
 */
async function fetchBody(body: BodyInit | null | undefined): Promise<{ body: RequestOptions['body']; contentType: string | null }> {
  if (body == null) return { body: null, contentType: null };
  if (body instanceof ReadableStream) return { body: body as unknown as AsyncIterable<Uint8Array>, contentType: null };
  let encoded: globalThis.Response;
  try {
    encoded = new globalThis.Response(body);
  } catch (err) {
    throw hostError('CONFIG', `body: unsupported type (${Object.prototype.toString.call(body)})`, err);
  }
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') };
}
