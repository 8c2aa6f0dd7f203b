// Compares our core's result with llhttp's and explains each disagreement
// by a known class from vectors/http/llhttp-differences.json, or not at all.
//
// Classes where llhttp refuses what the RFC makes us accept are checked by
// rewriting the input the way the RFC rule reads it (e.g. an obs-fold into
// SP) at the place llhttp stopped, and running llhttp again: the class
// explains the case only if llhttp then agrees with us on everything.
// Classes where we refuse what llhttp accepts are checked on llhttp's own
// parse: it must show the very thing the rule forbids (e.g. a status code
// above 599), and our error must be the detail that rule gives.
import { llhttpParse } from './llhttp.mjs';

const isWs = (c) => c === ' ' || c === '\t';
// chunk-size [ chunk-ext ] per RFC 9112 §7.1.1, BWS included
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const QUOTED = '"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*"';
const CHUNK_LINE = new RegExp(`^[0-9a-fA-F]+(?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED}))?)*$`);
const MAX_SAFE = 9007199254740991n;

/** Fields of an accepted response that must be equal. */
function differences(ours, theirs, { ignoreVersion = false, looseInterim = false } = {}) {
  const diff = [];
  const heads = (r) => r.interim.map((h) => (looseInterim ? [h.status] : [h.status, h.reason, h.headers]));
  for (const key of ['status', 'reason', 'body', 'keepAlive']) {
    if (ours[key] !== theirs[key]) diff.push(key);
  }
  if (!ignoreVersion && ours.version !== theirs.version) diff.push('version');
  if (JSON.stringify(ours.headers) !== JSON.stringify(theirs.headers)) diff.push('headers');
  if (JSON.stringify(ours.trailers) !== JSON.stringify(theirs.trailers)) diff.push('trailers');
  if (JSON.stringify(heads(ours)) !== JSON.stringify(heads(theirs))) diff.push('interim');
  return diff;
}

/** Every head llhttp reported (interim ones too). */
const llhttpHeads = (ll) => (ll.response ? [...ll.response.interim, ll.response] : ll.interim ?? []);

const fieldValues = (head, name) => head.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

// ---- llhttp refuses, the RFC has us accept: rewrite and run llhttp again --

/** The run of SP/HTAB at or just before `at` (llhttp stops on it or one byte after): [start, end) or null. */
function whitespaceRun(s, at) {
  let j = isWs(s[at]) ? at : at - 1;
  if (j < 0 || !isWs(s[j])) return null;
  while (j > 0 && isWs(s[j - 1])) j--;
  let end = j;
  while (end < s.length && isWs(s[end])) end++;
  return [j, end];
}

const REWRITES = [
  {
    id: 'obs-fold',
    // llhttp stops in the SP/HTAB run that starts a continuation line
    applies(s, at) {
      const run = whitespaceRun(s, at);
      return run !== null && s.slice(run[0] - 2, run[0]) === '\r\n';
    },
    rewrite(s, at) {
      const [wsStart, end] = whitespaceRun(s, at);
      let start = wsStart - 2;
      while (start > 0 && isWs(s[start - 1])) start--;
      return `${s.slice(0, start)} ${s.slice(end)}`;
    },
  },
  {
    id: 'higher-minor-version',
    applies: (s, at, ll) => /INVALID_VERSION/.test(ll.error) && /HTTP\/1\.[2-9]/.test(s.slice(Math.max(0, at - 8), at + 8)),
    rewrite(s, at) {
      const from = Math.max(0, at - 8);
      const i = s.slice(from, at + 8).search(/HTTP\/1\.[2-9]/) + from;
      return `${s.slice(0, i + 7)}1${s.slice(i + 8)}`;
    },
    ignoreVersion: true,
  },
  {
    id: 'content-length-ows',
    // "Content-Length: 5\t": HTAB is OWS around a field value (RFC 9110 §5.5)
    applies: (s, at, ll) => /Content-Length/.test(ll.error) && whitespaceRun(s, at) !== null,
    rewrite(s, at) {
      const [start, end] = whitespaceRun(s, at);
      return s.slice(0, start) + s.slice(end);
    },
  },
  {
    id: 'interim-response-persistence',
    // llhttp takes an HTTP/1.0 1xx, or a 1xx with "Connection: close", as the
    // end of the connection; a 1xx is not the final response, whose own
    // version and fields decide persistence. The rewrite makes the interim
    // heads before llhttp's stop HTTP/1.1 without Connection fields.
    applies: (s, at, ll) => /CLOSED_CONNECTION/.test(ll.error) && /HTTP\/1\.[01] 1[0-9][0-9]/.test(s.slice(0, at)),
    rewrite: (s, at) => s.slice(0, at).replace(/HTTP\/1\.0 (1[0-9][0-9])/g, 'HTTP/1.1 $1').replace(/\r\nConnection:[^\r\n]*/gi, '') + s.slice(at),
    looseInterim: true,
  },
  {
    id: 'chunk-extension-bws',
    applies: (s, at, ll) => /chunk (size|extension)/i.test(ll.error) && whitespaceRun(s, at) !== null,
    rewrite(s, at) {
      const [start, end] = whitespaceRun(s, at);
      return s.slice(0, start) + s.slice(end);
    },
  },
];

// ---- we refuse what llhttp accepts: llhttp's parse must show the fault ----

const REFUSALS = [
  {
    id: 'reason-control-character',
    details: ['BAD_STATUS_LINE', 'NUL_BYTE'],
    shows: (ll, s) => s.split('\r\n').some((line) => line.startsWith('HTTP/') && /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(line)),
  },
  {
    id: 'transfer-encoding-list-syntax',
    // we decode the chunked body (and refuse its faults); llhttp reads it until close
    shows: (ll, s) => ll.response && !ll.response.keepAlive && chunkedAsList(s),
  },
  {
    id: 'bare-cr',
    details: ['BARE_CR'],
    shows: (ll, s) => /\r(?!\n)/.test(s),
  },
  {
    id: 'empty-line-before-status-line',
    details: ['BAD_VERSION', 'BARE_LF'],
    shows: (ll, s) => /(^|\r\n\r\n)(\r\n|\n)+HTTP\//.test(s),
  },
  {
    id: 'chunk-extension-grammar',
    details: ['BAD_CHUNK_EXTENSION'],
    shows: (ll, s) => s.split('\r\n').some((line) => /^[0-9a-fA-F]+[ \t]*;/.test(line) && !CHUNK_LINE.test(line)),
  },
  {
    id: 'transfer-coding-not-only-chunked',
    details: ['BAD_TRANSFER_ENCODING'],
    shows: (ll) => llhttpHeads(ll).some((h) => {
      const te = fieldValues(h, 'transfer-encoding');
      if (!te.length) return false;
      const codings = te.join(',').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
      return codings.length !== 1 || codings[0] !== 'chunked';
    }),
  },
  {
    id: 'transfer-encoding-in-http10',
    details: ['TRANSFER_ENCODING_IN_HTTP10'],
    shows: (ll) => llhttpHeads(ll).some((h) => h.version === '1.0' && fieldValues(h, 'transfer-encoding').length > 0),
  },
  {
    id: 'content-length-above-2^53',
    details: ['BAD_CONTENT_LENGTH'],
    shows: (ll) => llhttpHeads(ll).some((h) => fieldValues(h, 'content-length').some((v) => /^[0-9]+$/.test(v) && BigInt(v) > MAX_SAFE)),
  },
];

// ---- both accept, one field differs ---------------------------------------

const hasCloseOption = (r) => fieldValues(r, 'connection').join(',').split(',').some((o) => o.trim().toLowerCase() === 'close');

/** Transfer-Encoding elements as RFC 9110 §5.6.1 reads them (OWS and empty elements dropped). */
const codings = (r) => fieldValues(r, 'transfer-encoding').join(',').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);

/** "chunked,", ", chunked" or "chunked<HTAB>" in the raw head: exactly chunked as a list
 *  (RFC 9110 §5.6.1, OWS = SP / HTAB), which llhttp does not see as chunked. */
function chunkedAsList(s) {
  const raw = [...s.matchAll(/\r\nTransfer-Encoding:([^\r\n]*)/gi)].map((m) => m[1]);
  const elements = raw.join(',').split(',').map((c) => c.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase()).filter(Boolean);
  return elements.length === 1 && elements[0] === 'chunked' && raw.some((v) => v.replace(/^ +| +$/g, '').toLowerCase() !== 'chunked');
}

/** A Connection field whose elements include close only once HTAB is read as OWS (RFC 9110 §5.6.1). */
const closeWithTab = (s) => [...s.matchAll(/\r\nConnection:([^\r\n]*)/gi)].map((m) => m[1])
  .some((v) => v.includes('\t') && v.split(',').some((o) => o.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase() === 'close'));

const FIELD_CLASSES = [
  {
    id: 'connection-list-syntax',
    explains: (ours, theirs, diff, method, s) => diff.length === 1 && diff[0] === 'keepAlive' && !ours.keepAlive && theirs.keepAlive
      && closeWithTab(s),
  },
  {
    id: 'transfer-encoding-list-syntax',
    // llhttp then reads the body until close
    explains: (ours, theirs, diff, method, s) => diff.every((d) => ['body', 'keepAlive', 'trailers'].includes(d))
      && !theirs.keepAlive && chunkedAsList(s),
  },
  {
    id: 'http10-close-beats-keep-alive',
    // llhttp looks only for keep-alive in an HTTP/1.0 response
    explains: (ours, theirs, diff) => diff.length === 1 && diff[0] === 'keepAlive' && ours.version === '1.0'
      && !ours.keepAlive && theirs.keepAlive && hasCloseOption(ours),
  },
  {
    id: 'head-response-keep-alive',
    // llhttp decides keep-alive before it is told the response is to HEAD,
    // so a HEAD response without a length looks close-delimited to it.
    explains: (ours, theirs, diff, method) => method === 'HEAD' && diff.length === 1 && diff[0] === 'keepAlive'
      && ours.keepAlive && !theirs.keepAlive,
  },
];

// ---- llhttp refuses, and its own parse state shows why -----------------------

const ACCEPT_EVIDENCE = [
  {
    id: 'content-length-in-trailers',
    // RFC 9110 §6.5.1: trailers never frame the message; llhttp treats a
    // Content-Length trailer like a header beside Transfer-Encoding
    shows: (ours, ll) => /Content-Length/.test(ll.error) && fieldValues({ headers: ours.trailers }, 'content-length').length > 0,
  },
];

export const CLASS_IDS = [...new Set([...REWRITES, ...REFUSALS, ...FIELD_CLASSES, ...ACCEPT_EVIDENCE].map((c) => c.id))];

/**
 * ours: runExchange() result for one request; theirs: llhttpParse() result.
 * Returns { agree: true } or { agree: false, explained: [ids] | null, what }.
 */
export function classify(input, method, ours, theirs) {
  const s = input.toString('latin1');
  const oursAccepts = !ours.error && !ours.refused && ours.responses.length === 1;
  const oursResponse = ours.responses[0];
  if (!oursAccepts && !theirs.response) return { agree: true };
  if (oursAccepts && theirs.response) {
    const diff = differences(oursResponse, theirs.response);
    if (!diff.length) return { agree: true };
    const cls = FIELD_CLASSES.find((c) => c.explains(oursResponse, theirs.response, diff, method, s));
    return { agree: false, explained: cls ? [cls.id] : null, what: `both accept; differ in ${diff.join(', ')}` };
  }
  if (oursAccepts) {
    // llhttp refused: rewrite as the RFC reads it until llhttp accepts (bounded)
    let text = s;
    let ll = theirs;
    const used = [];
    const loose = { ignoreVersion: false, looseInterim: false };
    for (let round = 0; round < 16 && !ll.response; round++) {
      const cls = REWRITES.find((c) => ll.errorOffset >= 0 && c.applies(text, ll.errorOffset, ll));
      if (!cls) break;
      text = cls.rewrite(text, ll.errorOffset, ll);
      if (!used.includes(cls.id)) used.push(cls.id);
      loose.ignoreVersion ||= Boolean(cls.ignoreVersion);
      loose.looseInterim ||= Boolean(cls.looseInterim);
      ll = llhttpParse(Buffer.from(text, 'latin1'), method);
    }
    const what = `we accept; llhttp: ${theirs.error}`;
    if (!ll.response || !used.length) {
      const evidence = ACCEPT_EVIDENCE.find((c) => c.shows(oursResponse, theirs));
      return { agree: false, explained: evidence ? [evidence.id] : null, what };
    }
    const diff = differences(oursResponse, ll.response, loose);
    if (!diff.length) return { agree: false, explained: used, what };
    const cls = FIELD_CLASSES.find((c) => c.explains(oursResponse, ll.response, diff, method, text));
    return { agree: false, explained: cls ? [...used, cls.id] : null, what };
  }
  const detail = ours.error?.detail;
  const cls = REFUSALS.find((c) => (!c.details || c.details.includes(detail)) && c.shows(theirs, s));
  return { agree: false, explained: cls ? [cls.id] : null, what: `we refuse (${ours.error?.code} ${detail}); llhttp accepts` };
}
