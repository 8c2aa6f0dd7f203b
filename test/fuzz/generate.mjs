// Seeded generation of valid HTTP/1.1 responses and of mutations of them.
// Everything is a latin1 string (one char per byte) until it is fed.
import { prng } from '../helpers/prng.mjs';

export class Rand {
  constructor(seed) {
    this.next = prng(seed);
  }

  int(n) {
    return Math.floor(this.next() * n);
  }

  chance(p) {
    return this.next() < p;
  }

  pick(list) {
    return list[this.int(list.length)];
  }
}

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~';
const VALUE_CHARS = `${TOKEN_CHARS} \t"(),/:;<=>?@[\\]{}\u0080\u00e9\u00ff`;

function word(r, chars, min, max) {
  let s = '';
  for (let n = min + r.int(max - min + 1); n > 0; n--) s += chars[r.int(chars.length)];
  return s;
}

const value = (r) => {
  const v = word(r, VALUE_CHARS, 0, 24);
  return v.trim() === v ? v : v.trim(); // generated values have no OWS to trim
};

const COMMON_HEADERS = [
  ['Content-Type', () => 'application/json'], ['Server', () => 'fuzz/1.0'], ['Date', () => 'Mon, 30 Nov 2026 03:00:00 GMT'],
  ['Cache-Control', () => 'no-cache, max-age=0'], ['Set-Cookie', (r) => `id=${word(r, TOKEN_CHARS, 1, 8)}; Path=/`],
  ['Link', () => '</a.css>; rel=preload'], ['Vary', () => 'Accept-Encoding'], ['ETag', () => '"abc"'],
];

const STATUSES = [[200, 'OK'], [201, 'Created'], [204, 'No Content'], [206, 'Partial Content'], [301, 'Moved Permanently'],
  [304, 'Not Modified'], [404, 'Not Found'], [418, ''], [500, 'Internal Server Error'], [299, 'X']];

function headerLines(r) {
  const lines = [];
  for (let n = r.int(7); n > 0; n--) {
    if (r.chance(0.5)) {
      const [name, make] = r.pick(COMMON_HEADERS);
      lines.push(`${name}: ${make(r)}`);
    } else {
      lines.push(`${word(r, TOKEN_CHARS, 1, 12)}:${r.pick(['', ' ', '  ', '\t'])}${value(r)}`);
    }
  }
  return lines;
}

function bodyBytes(r) {
  const n = r.pick([0, 1, 5, 17, 64, 200]);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(256));
  return s;
}

function chunkedBody(r, body) {
  let out = '';
  let at = 0;
  while (at < body.length) {
    const n = Math.min(body.length - at, 1 + r.int(r.pick([3, 16, 80])));
    let size = n.toString(16);
    if (r.chance(0.3)) size = size.toUpperCase();
    if (r.chance(0.1)) size = '0'.repeat(1 + r.int(4)) + size;
    out += `${size}${chunkExtensions(r)}\r\n${body.slice(at, at + n)}\r\n`;
    at += n;
  }
  out += `0${chunkExtensions(r)}\r\n`;
  if (r.chance(0.3)) out += `${word(r, TOKEN_CHARS, 1, 8)}: ${value(r)}\r\n`;
  return `${out}\r\n`;
}

function chunkExtensions(r) {
  if (!r.chance(0.15)) return '';
  let s = '';
  for (let n = 1 + r.int(2); n > 0; n--) {
    s += `;${word(r, TOKEN_CHARS, 1, 6)}`;
    if (r.chance(0.5)) s += `=${r.chance(0.5) ? word(r, TOKEN_CHARS, 1, 6) : `"${word(r, 'ab c\\;=', 0, 6).replace(/\\/g, '\\\\')}"`}`;
  }
  return s;
}

/** A valid response: { input, method }. */
export function validResponse(r) {
  const method = r.chance(0.1) ? 'HEAD' : 'GET';
  const minor = r.chance(0.15) ? 0 : 1;
  let out = '';
  if (minor === 1 && r.chance(0.1)) out += r.pick(['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n']);
  const [status, reason] = r.pick(STATUSES);
  const lines = headerLines(r);
  const body = bodyBytes(r);
  const noBody = method === 'HEAD' || status === 204 || status === 304;
  const framing = r.pick(minor === 1 ? ['length', 'length', 'chunked', 'chunked', 'close'] : ['length', 'close', 'keep-alive']);
  if (framing === 'length' || framing === 'keep-alive') lines.push(`Content-Length: ${noBody ? r.int(50) : body.length}`);
  if (framing === 'keep-alive') lines.push('Connection: keep-alive');
  if (framing === 'chunked') lines.push('Transfer-Encoding: chunked');
  if (r.chance(0.1)) lines.push('Connection: close');
  shuffleInPlace(r, lines);
  out += `HTTP/1.${minor} ${status} ${reason}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  if (!noBody) out += framing === 'chunked' ? chunkedBody(r, body) : body;
  return { input: out, method };
}

function shuffleInPlace(r, list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
}

const INTERESTING = ['\r\n', '\r', '\n', ' ', '\t', ':', ';', '=', '"', '\\', '\u0000', '\u0001', '\u007f', '\u0080', '\u00ff', ',',
  '0', '9', 'f', 'chunked', 'gzip', 'close', 'keep-alive', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip\r\n', 'Connection: close\r\n', ' \r\n', '\r\n ', '\r\n\t', 'HTTP/1.1 ', 'HTTP/1.0 200 OK\r\n',
  '\r\n\r\n', '0\r\n\r\n', '-', '+', '99999999999999999999', 'ffffffffffffffffffff', '9007199254740992'];

const find = (s, needle, r) => {
  const hits = [];
  for (let i = s.indexOf(needle); i >= 0 && hits.length < 64; i = s.indexOf(needle, i + 1)) hits.push(i);
  return hits.length ? r.pick(hits) : -1;
};

/** Mutations of a response string; each returns the new string. */
export const MUTATIONS = {
  flipByte(s, r) {
    if (!s.length) return s;
    const at = r.int(s.length);
    const c = r.chance(0.5) ? r.pick(INTERESTING.filter((t) => t.length === 1)) : String.fromCharCode(r.int(256));
    return s.slice(0, at) + c + s.slice(at + 1);
  },
  insert(s, r) {
    const at = r.int(s.length + 1);
    return s.slice(0, at) + r.pick(INTERESTING) + s.slice(at);
  },
  deleteRange(s, r) {
    const at = r.int(s.length + 1);
    return s.slice(0, at) + s.slice(at + 1 + r.int(8));
  },
  spliceDuplicate(s, r) {
    const at = r.int(s.length + 1);
    const piece = s.slice(at, at + 1 + r.int(24));
    return s.slice(0, at) + piece + s.slice(at);
  },
  duplicateCrlf(s, r) {
    const at = find(s, '\r\n', r);
    return at < 0 ? s : `${s.slice(0, at)}\r\n${s.slice(at)}`;
  },
  removeCrlf(s, r) {
    const at = find(s, '\r\n', r);
    if (at < 0) return s;
    const cut = r.pick([[0, 2], [0, 1], [1, 2]]);
    return s.slice(0, at + cut[0]) + s.slice(at + cut[1]);
  },
  hugeNumber(s, r) {
    const numbers = [...s.matchAll(/[0-9a-fA-F]+/g)].filter((m) => /[0-9]/.test(m[0]));
    if (!numbers.length) return s;
    const m = r.pick(numbers);
    const repl = r.pick(['99999999999999999999', '18446744073709551616', '9007199254740992', '9007199254740991',
      'ffffffffffffffff', '10000000000000000', '0', '00000000000000000001', '-1', String(r.int(1000))]);
    return s.slice(0, m.index) + repl + s.slice(m.index + m[0].length);
  },
  duplicateHeader(s, r) {
    const end = s.indexOf('\r\n\r\n');
    const lines = [...s.slice(0, end < 0 ? s.length : end).matchAll(/\r\n[^\r\n]+/g)];
    if (!lines.length) return s;
    const m = r.pick(lines);
    const at = m.index + m[0].length;
    return s.slice(0, at) + m[0] + s.slice(at);
  },
  chunkSize(s, r) {
    const sizes = [...s.matchAll(/\r\n([0-9a-fA-F]+)(;[^\r\n]*)?\r\n/g)];
    if (!sizes.length) return s;
    const m = r.pick(sizes);
    const size = r.pick([r.int(300).toString(16), '0', 'FFFFFFFF', '1', (r.int(40) + 1).toString(16)]);
    const start = m.index + 2;
    return s.slice(0, start) + size + s.slice(start + m[1].length);
  },
  truncate(s, r) {
    return s.slice(0, r.int(s.length + 1));
  },
};

const NAMES = Object.keys(MUTATIONS);

/** One fuzz case: a valid response, mutated 0-3 times. */
export function fuzzCase(r) {
  const { input, method } = validResponse(r);
  let s = input;
  const applied = [];
  const rounds = r.pick([0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < rounds; i++) {
    const name = r.pick(NAMES);
    s = MUTATIONS[name](s, r);
    applied.push(name);
  }
  return { input: s, method, mutations: applied };
}
