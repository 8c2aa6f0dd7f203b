// Drives a core's TLS handshake through the ABI alone, with a real socket and
// no host: for tests that look at the core's own state and decisions.
import assert from 'node:assert/strict';
import net from 'node:net';
import { Event, OpenFlag, errorNames } from '../../dist/generated/spec.js';

const STEP_BOUND = 500;        // mh_step calls per connection
const READ_TIMEOUT_MS = 2000;  // a server that goes quiet

/** Reads from a socket as the core asks: resolves a chunk, or null at end / reset / silence. */
function socketReader(socket) {
  const chunks = [];
  let ended = false;
  let wake = null;
  const poke = () => { const w = wake; wake = null; w?.(); };
  socket.on('data', (c) => { chunks.push(c); poke(); });
  socket.on('end', () => { ended = true; poke(); });
  socket.on('close', () => { ended = true; poke(); });
  socket.on('error', () => { ended = true; poke(); });
  return async (max) => {
    if (chunks.length === 0 && !ended) {
      await new Promise((resolve) => {
        const timer = setTimeout(() => { ended = true; resolve(); }, READ_TIMEOUT_MS);
        wake = () => { clearTimeout(timer); resolve(); };
      });
    }
    if (chunks.length === 0) return null;
    const c = chunks.shift();
    if (c.length > max) chunks.unshift(c.subarray(max));
    return c.subarray(0, max);
  };
}

/** One TLS connection to 127.0.0.1:port driven by hand through the ABI, up to
 * the first event that is not I/O (EV_IDLE after a handshake, or EV_ERROR);
 * returns that event and the error code. The socket is closed on return. */
export async function driveTls(core, port, { name = 'localhost', flags = OpenFlag.TLS } = {}) {
  const x = core.x;
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve).once('error', resolve));
  const read = socketReader(socket);
  try {
    assert.equal(x.mh_open(flags, core.putXfer(Buffer.from(name))), 0);
    for (let steps = 0; steps < STEP_BOUND; steps++) {
      const ev = x.mh_step();
      if (ev === Event.SEND) {
        const n = x.mh_send_len();
        if (!socket.destroyed) socket.write(Buffer.from(core.view(x.mh_send_ptr(), n)));
        x.mh_send_ack(n);
      } else if (ev === Event.RECV) {
        const chunk = await read(x.mh_recv_cap());
        if (chunk === null) x.mh_recv_eof();
        else {
          core.view(x.mh_recv_ptr(), chunk.length).set(chunk);
          x.mh_recv_commit(chunk.length);
        }
      } else {
        return { ev, code: ev === Event.ERROR ? errorNames[x.mh_error_code()] : undefined };
      }
    }
    throw new Error(`no verdict within ${STEP_BOUND} steps`);
  } finally {
    socket.destroy();
  }
}
