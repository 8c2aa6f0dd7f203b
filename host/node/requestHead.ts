// The request head handed to the core: method, target and host, then each
// header, encoded as UTF-8 straight into the core's transfer window (one view
// of it per head, no intermediate buffer per piece) before the ABI call that
// takes them.
import { BodyKind } from './generated/spec.js';
import { coreError, hostError } from './errors.js';
import type { Core } from './core.js';
import type { OutgoingRequest } from './connection.js';

export function writeRequestHead(core: Core, req: OutgoingRequest): void {
  const x = core.x;
  const cap = x.mh_xfer_cap();
  let window = xferWindow(core);
  const method = Buffer.byteLength(req.method);
  const target = Buffer.byteLength(req.target);
  const host = Buffer.byteLength(req.host);
  if (method + target + host > cap) throw hostError('REQUEST_INVALID', 'request target is too long');
  window.write(req.method, 0);
  window.write(req.target, method);
  window.write(req.host, method + target);
  check(core, x.mh_request_start(method, target, host));
  for (const [name, value] of req.headers) {
    const n = Buffer.byteLength(name);
    const v = Buffer.byteLength(value);
    if (n + v > cap) throw hostError('REQUEST_INVALID', `header ${name} is too long`);
    // a core call may have grown the memory, which detaches the old view
    if (window.buffer !== x.memory.buffer) window = xferWindow(core);
    window.write(name, 0);
    window.write(value, n);
    check(core, x.mh_request_header(n, v));
  }
  const body = req.body ?? null;
  const length = body instanceof Uint8Array ? body.length : 0;
  const kind = body === null || body instanceof Uint8Array ? (length > 0 ? BodyKind.LENGTH : BodyKind.NONE) : BodyKind.CHUNKED;
  check(core, x.mh_request_end(kind, length >>> 0, Math.floor(length / 2 ** 32)));
}

function xferWindow(core: Core): Buffer {
  return Buffer.from(core.x.memory.buffer, core.x.mh_xfer_ptr(), core.x.mh_xfer_cap());
}

function check(core: Core, code: number): void {
  if (code !== 0) throw coreError(code, core.x.mh_call_detail());
}
