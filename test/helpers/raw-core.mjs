// Drives the core through its ABI with no socket: plain mode (mh_open(0, ...)),
// requests written with mh_request_*, EV_SEND bytes collected (and otherwise
// discarded), response bytes fed on EV_RECV in the pieces the caller chooses,
// mh_recv_eof() once they are used up. Everything the core reports is
// collected into one plain result object, so two runs can be compared with
// deepEqual.
import { Core } from '../../dist/core.js';
import {
  Event, BodyKind, limitSpecs, errorNames, parseDetailNames, requestDetailNames,
} from '../../dist/generated/spec.js';
import { prng } from './prng.mjs';
import { withoutStackPeak } from './memory.mjs';

const latin1 = (bytes) => Buffer.from(bytes).toString('latin1');

/** A core with the given limits ({ headerBytes: 256, ... }), initialised. */
export function createCore(limits = {}) {
  const core = new Core();
  for (const [name, value] of Object.entries(limits)) {
    const spec = limitSpecs.find((l) => l.name === name);
    if (!spec) throw new Error(`unknown limit ${name}`);
    const code = core.x.mh_limit_set(spec.id, value);
    if (code !== 0) throw new Error(`mh_limit_set(${name}, ${value}) = ${code}`);
  }
  const code = core.x.mh_init();
  if (code !== 0) throw new Error(`mh_init() = ${code}`);
  return core;
}

/** {code, detail} by name, as vectors write them (detail null when 0). */
export function namedError(codeNumber, detail) {
  const code = errorNames[codeNumber] ?? `#${codeNumber}`;
  let name = null;
  if (detail !== 0) {
    if (code === 'HTTP_LIMIT') name = limitSpecs.find((l) => l.id === detail)?.name ?? `#${detail}`;
    else if (code === 'REQUEST_INVALID') name = requestDetailNames[detail] ?? `#${detail}`;
    else if (code === 'HTTP_PARSE' || code === 'CLOSED') name = parseDetailNames[detail] ?? `#${detail}`;
    else name = detail;
  }
  return { code, detail: name };
}

/** Splits bytes into pieces: 'one' (one piece), 'byte' (1 byte each), or an array of sizes (cycled). */
export function split(bytes, how) {
  if (how === 'one') return [bytes];
  const sizes = how === 'byte' ? [1] : how;
  const pieces = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]);
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/** Seeded random split sizes (1..max), reproducible from the seed. */
export function randomSizes(seed, count = 64, max = 17) {
  const rnd = prng(seed);
  return Array.from({ length: count }, () => 1 + Math.floor(rnd() * max));
}

const bytesOf = (s) => (typeof s === 'string' ? Buffer.from(s, 'latin1') : s);

/**
 * Writes one request head (and body) through the ABI. Returns null, or the
 * refusal {at, code, detail} of the call that refused it.
 * req: { method, target, host, headers: [[name, value]], body?: { kind: 'length'|'chunked', length?, writes: [string] },
 *        writeAfterEnd?: string (body bytes offered once the request is sent, to be refused) }
 */
export function writeRequest(core, req) {
  const x = core.x;
  const method = bytesOf(req.method ?? 'GET');
  const target = bytesOf(req.target ?? '/');
  const host = bytesOf(req.host ?? 'vectors.test');
  core.putXfer(host, core.putXfer(target, core.putXfer(method)));
  let code = x.mh_request_start(method.length, target.length, host.length);
  if (code !== 0) return { at: 'start', ...namedError(code, x.mh_call_detail()) };
  for (const [n, v] of req.headers ?? []) {
    const name = bytesOf(n);
    const value = bytesOf(v);
    core.putXfer(value, core.putXfer(name));
    code = x.mh_request_header(name.length, value.length);
    if (code !== 0) return { at: 'header', ...namedError(code, x.mh_call_detail()) };
  }
  const body = req.body;
  const kind = !body ? BodyKind.NONE : body.kind === 'chunked' ? BodyKind.CHUNKED : BodyKind.LENGTH;
  const length = body?.length ?? (body?.writes ?? []).reduce((n, w) => n + bytesOf(w).length, 0);
  code = x.mh_request_end(kind, length >>> 0, Math.floor(length / 2 ** 32));
  if (code !== 0) return { at: 'end', ...namedError(code, x.mh_call_detail()) };
  return null;
}

/**
 * Runs requests on a fresh plain connection of `core` and feeds `pieces` of
 * response bytes whenever the core asks. Returns
 *   { sent, responses: [{interim, status, reason, version, headers, body, trailers, keepAlive}],
 *     partial (the response in progress when an error came, or null), error: {code, detail} | null,
 *     refused: {at, code, detail} | null }.
 */
export function runExchange(core, { requests, pieces }) {
  const x = core.x;
  const queue = pieces.map(bytesOf);
  const result = { sent: '', responses: [], partial: null, error: null, refused: null };
  const code = x.mh_open(0, 0);
  if (code !== 0) throw new Error(`mh_open(0, 0) = ${code}`);
  for (const req of requests) {
    const refused = writeRequest(core, req);
    if (refused) {
      result.refused = refused;
      return result;
    }
    const writes = (req.body?.writes ?? []).map(bytesOf);
    let current = { interim: [] };
    for (let guard = 0; ; guard++) {
      if (guard > 1_000_000) throw new Error('the core did not finish within 1e6 steps');
      const ev = x.mh_step();
      if (ev === Event.SEND) {
        result.sent += latin1(core.view(x.mh_send_ptr(), x.mh_send_len()));
        x.mh_send_ack(x.mh_send_len());
      } else if (ev === Event.WRITE_BODY) {
        if (writes.length === 0) {
          const endCode = x.mh_body_end();
          if (endCode !== 0) {
            result.refused = { at: 'body_end', ...namedError(endCode, x.mh_error_detail()) };
            return result;
          }
          continue;
        }
        const piece = writes[0].subarray(0, x.mh_xfer_cap());
        core.putXfer(piece);
        const taken = x.mh_body_write(piece.length);
        if (taken < 0) {
          result.refused = { at: 'body', ...namedError(x.mh_error_code(), x.mh_error_detail()) };
          return result;
        }
        writes[0] = writes[0].subarray(taken);
        if (writes[0].length === 0) writes.shift();
      } else if (ev === Event.RECV) {
        if (req.writeAfterEnd !== undefined) {
          // the request is out: body bytes now are refused
          const late = bytesOf(req.writeAfterEnd);
          core.putXfer(late);
          if (x.mh_body_write(late.length) < 0) {
            result.refused = { at: 'body_after_end', ...namedError(x.mh_error_code(), x.mh_error_detail()) };
            return result;
          }
        }
        if (queue.length === 0) {
          x.mh_recv_eof();
          continue;
        }
        const cap = x.mh_recv_cap();
        const piece = queue[0].subarray(0, cap);
        core.view(x.mh_recv_ptr(), piece.length).set(piece);
        x.mh_recv_commit(piece.length);
        queue[0] = queue[0].subarray(piece.length);
        if (queue[0].length === 0) queue.shift();
      } else if (ev === Event.HEAD) {
        const head = readHead(core);
        if (head.status < 200) current.interim.push(head);
        else current = { interim: current.interim, ...head, body: '', trailers: [] };
      } else if (ev === Event.BODY) {
        current.body += latin1(core.view(x.mh_body_ptr(), x.mh_body_len()));
      } else if (ev === Event.TRAILERS) {
        current.trailers = readFields(core);
      } else if (ev === Event.DONE) {
        current.keepAlive = x.mh_keep_alive() === 1;
        result.responses.push(current);
        break;
      } else if (ev === Event.ERROR) {
        result.error = namedError(x.mh_error_code(), x.mh_error_detail());
        if (current.status !== undefined || current.interim.length) result.partial = current;
        return result;
      } else {
        throw new Error(`unexpected event ${ev} while a request is outstanding`);
      }
    }
  }
  return result;
}

function readHead(core) {
  const x = core.x;
  return {
    status: x.mh_status(),
    reason: core.text(x.mh_reason_ptr(), x.mh_reason_len()),
    version: `1.${x.mh_version_minor()}`,
    headers: readFields(core),
  };
}

function readFields(core) {
  const x = core.x;
  const out = [];
  for (let i = 0, n = x.mh_header_count(); i < n; i++) {
    out.push([core.text(x.mh_header_name_ptr(i), x.mh_header_name_len(i)), core.text(x.mh_header_value_ptr(i), x.mh_header_value_len(i))]);
  }
  return out;
}

/** The core's memory figures that must not move while it works (the stack's peak may). */
export function steadyMemory(core) {
  return { ...withoutStackPeak(core.memoryReport()), pages: core.x.memory.buffer.byteLength / 65536 };
}
