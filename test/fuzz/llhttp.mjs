// Node's own llhttp (the parser inside Node's http client), in strict mode,
// reporting in the shape test/helpers/raw-core.mjs uses for our core: the
// interim heads and the first final response, or an error.
//
// The callback wiring follows Node's lib/_http_common.js and _http_client.js:
// kOnHeaders delivers header pairs in batches (long heads, trailers),
// kOnHeadersComplete(versionMajor, versionMinor, headers, method, url,
// statusCode, statusMessage, upgrade, shouldKeepAlive) returns 1 to skip the
// body (HEAD and 1xx, as Node's client does), kOnBody(buffer), and
// kOnMessageComplete(). initialize(type, resource, maxHeaderSize, lenient).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { HTTPParser } = require('_http_common');

/** Large enough never to be the reason a fuzz case fails. */
const MAX_HEADER_SIZE = 1 << 20;
const STRICT = HTTPParser.kLenientNone;

const pairs = (flat) => {
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
};

/**
 * Parses `input` (Buffer) as the response to one request of `method`, then
 * end of stream. Returns { response, error, errorOffset, upgrade } where
 * response = { interim, status, reason, version, headers, body, trailers,
 * keepAlive } once a final response completed, else null.
 */
export function llhttpParse(input, method = 'GET') {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, MAX_HEADER_SIZE, STRICT);
  const interim = [];
  let pending = [];
  let current = null;
  let response = null;
  let upgrade = false;
  parser[HTTPParser.kOnHeaders] = (flat) => { pending.push(...flat); };
  parser[HTTPParser.kOnHeadersComplete] = (major, minor, flat, _m, _u, status, reason, isUpgrade, keepAlive) => {
    const headers = pairs([...pending, ...(flat ?? [])]);
    pending = [];
    current = { status, reason: reason ?? '', version: `${major}.${minor}`, headers, body: [], keepAlive: Boolean(keepAlive) };
    if (status === 101 || isUpgrade) upgrade = true;
    return method === 'HEAD' || status < 200 ? 1 : 0;
  };
  parser[HTTPParser.kOnBody] = (chunk) => { current?.body.push(Buffer.from(chunk)); };
  parser[HTTPParser.kOnMessageComplete] = () => {
    const trailers = pairs(pending);
    pending = [];
    if (!current || response) return;
    if (current.status < 200) {
      interim.push({ status: current.status, reason: current.reason, version: current.version, headers: current.headers });
    } else {
      response = { interim: [...interim], ...current, body: Buffer.concat(current.body).toString('latin1'), trailers };
    }
    current = null;
  };
  let error = null;
  let errorOffset = -1;
  const ret = parser.execute(input);
  if (ret instanceof Error) {
    error = `${ret.code}: ${ret.reason}`;
    errorOffset = ret.bytesParsed ?? -1;
  } else if (!response && !upgrade) {
    const end = parser.finish();
    if (end instanceof Error) error = `${end.code}: ${end.reason} (at end of stream)`;
  }
  parser.close?.();
  // An error after the first final response (junk that would be the next
  // response) does not concern the one compared.
  if (response) return { response, error: null, errorOffset: -1, upgrade: false };
  return { response: null, error: error ?? (upgrade ? 'upgrade' : 'no final response'), errorOffset, upgrade, interim };
}
