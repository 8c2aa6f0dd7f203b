// Loads vectors/http/*.json and turns them into bytes and expected results.
// A byte string is a JSON string whose characters are bytes (latin1), or an
// array of such strings and { "repeat": s, "times": n } parts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const vectorDir = new URL('../../vectors/http/', import.meta.url).pathname;

/** Expands a byte string (string or parts) to a latin1 string. */
export function text(parts) {
  if (typeof parts === 'string') return parts;
  return parts.map((p) => (typeof p === 'string' ? p : text(p.repeat).repeat(p.times))).join('');
}

export const bytes = (parts) => Buffer.from(text(parts), 'latin1');

/** Every file: { file, group, kind, cases }. */
export function loadVectorFiles() {
  return readdirSync(vectorDir).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const data = JSON.parse(readFileSync(join(vectorDir, file), 'utf8'));
    const kind = data.kind ?? 'response';
    // each known llhttp difference carries an example that runs as a vector
    const cases = kind === 'llhttp-differences'
      ? data.classes.map((c) => ({ name: `${c.id}: ${c.rule}`, rule: c.rule, why: c.why, ...c.example }))
      : data.cases;
    return { file, group: data.group, kind, cases, data };
  });
}

/** Response cases of every file, each with its file name. */
export function responseVectors() {
  return loadVectorFiles().filter((f) => f.kind === 'response' || f.kind === 'llhttp-differences').flatMap((f) => f.cases.map((c) => ({ ...c, file: f.file })));
}

export function requestVectors() {
  return loadVectorFiles().filter((f) => f.kind === 'request').flatMap((f) => f.cases.map((c) => ({ ...c, file: f.file })));
}

/** The requests a response vector makes (default: one GET). */
export function vectorRequests(v) {
  return v.requests ?? [{ method: 'GET' }];
}

const head = (h) => ({ status: h.status, reason: h.reason, version: h.version ?? '1.1', headers: fields(h.headers) });
const fields = (list) => list.map(([n, v]) => [text(n), text(v)]);

function response(r) {
  return {
    interim: (r.interim ?? []).map(head),
    ...head(r),
    body: text(r.body ?? ''),
    trailers: fields(r.trailers ?? []),
    keepAlive: r.keepAlive,
  };
}

function partial(p) {
  if (!p) return null;
  const out = { interim: (p.interim ?? []).map(head) };
  if (p.status === undefined) return out;
  return { ...out, ...head(p), body: text(p.body ?? ''), trailers: fields(p.trailers ?? []) };
}

/** The result runExchange() must produce for a response vector (sent bytes aside). */
export function expectedResult(v) {
  const e = v.expect;
  const responses = e.responses ?? (e.response ? [e.response] : []);
  const out = { responses: responses.map(response), error: e.error ?? null, refused: null };
  if ('partial' in e) out.partial = partial(e.partial);
  return out;
}

/** What of a run a vector speaks about: the partial response only when the vector gives one. */
export function comparable(v, result) {
  const { sent, ...rest } = result;
  if (!('partial' in v.expect)) delete rest.partial;
  return rest;
}
