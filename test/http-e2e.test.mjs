// The same vectors end to end: a raw TCP server on 127.0.0.1 writes each
// response as one write, byte by byte (with small, bounded pauses) and in
// seeded random splits; the client is the Node host (Connection from dist/)
// and, for single exchanges, the public request() API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Connection, request, fetch, MicroHttpsError } from '../dist/index.js';
import { Event } from '../dist/generated/spec.js';
import { startRawServer } from './helpers/servers.mjs';
import { randomSizes, split } from './helpers/raw-core.mjs';
import { responseVectors, expectedResult, comparable, vectorRequests, bytes } from './helpers/http-vectors.mjs';

/** Byte-by-byte and random-split writes pause after each piece, for at most this many pieces. */
const MAX_PAUSED_PIECES = 200;
const TIMEOUT = { connect: 5000, read: 5000 };

let server;
let serving = null; // { input, how, requests }: what the next connection gets

before(async () => {
  server = await startRawServer({ onConnection: serve });
});
after(() => server.close());

function serve(socket) {
  socket.setNoDelay(true);
  const plan = serving;
  let received = '';
  let heads = 0;
  let written = null;
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
    const count = received.split('\r\n\r\n').length - 1;
    if (count > heads) {
      heads = count;
      written ??= writeResponse(socket, plan.input, plan.how);
      // end only once every request of the vector has arrived: the client
      // cannot send the next request on a connection the server has ended
      if (heads >= plan.requests) written.then(() => socket.end(), () => {});
    }
  });
}

async function writeResponse(socket, input, how) {
  const pieces = how === 'one' ? [input] : split(input, how === 'byte' ? 'byte' : how);
  for (let i = 0; i < pieces.length; i++) {
    if (socket.destroyed) return;
    if (i === MAX_PAUSED_PIECES) {
      socket.write(Buffer.concat(pieces.slice(i)));
      return;
    }
    socket.write(pieces[i]);
    await tick();
  }
}

const fields = (headers) => [...headers];

/** Runs a vector through Connection; the result has runExchange()'s shape. */
async function viaConnection(v, how) {
  const requests = vectorRequests(v);
  serving = { input: bytes(v.response), how, requests: requests.length };
  const result = { responses: [], partial: null, error: null, refused: null };
  const conn = await Connection.open({ host: '127.0.0.1', port: server.port, tls: false, timeout: TIMEOUT, limits: v.limits });
  let current = null;
  try {
    for (const req of requests) {
      current = { interim: [] };
      let ev = await conn.send({ method: req.method ?? 'GET', target: '/', host: 'vectors.test', headers: req.headers ?? [] });
      for (;;) {
        if (ev === Event.HEAD) {
          const { status, reason, httpVersion, headers } = conn.head();
          const head = { status, reason, version: httpVersion, headers: fields(headers) };
          if (status < 200) current.interim.push(head);
          else current = { interim: current.interim, ...head, body: '', trailers: [] };
        } else if (ev === Event.BODY) {
          current.body += conn.bodyChunk().toString('latin1');
        } else if (ev === Event.TRAILERS) {
          current.trailers = fields(conn.fields());
        } else if (ev === Event.DONE) {
          current.keepAlive = conn.core.x.mh_keep_alive() === 1;
          result.responses.push(current);
          current = null;
          break;
        } else {
          throw new Error(`unexpected event ${ev}`);
        }
        ev = await conn.next('test');
      }
    }
  } catch (err) {
    if (!(err instanceof MicroHttpsError)) throw err;
    result.error = { code: err.code, detail: err.detailName ?? null };
    if (current && (current.status !== undefined || current.interim.length)) result.partial = current;
  } finally {
    conn.destroy();
  }
  return result;
}

const vectors = responseVectors();
for (const v of vectors) {
  test(`e2e ${v.file}: ${v.name}`, async () => {
    const expected = expectedResult(v);
    const whole = await viaConnection(v, 'one');
    assert.deepEqual(comparable(v, whole), expected, 'one write');
    assert.deepEqual(await viaConnection(v, 'byte'), whole, 'byte by byte');
    assert.deepEqual(await viaConnection(v, randomSizes(11)), whole, 'random splits');
  });
}

test('e2e through request(): status, headers, body and trailers, or the error', async () => {
  for (const v of vectors.filter((x) => vectorRequests(x).length === 1 && !vectorRequests(x)[0].headers)) {
    const method = vectorRequests(v)[0].method ?? 'GET';
    serving = { input: bytes(v.response), how: 'one', requests: 1 };
    const expected = expectedResult(v);
    const url = `http://127.0.0.1:${server.port}/`;
    try {
      const res = await request(url, { method, limits: v.limits, timeout: TIMEOUT });
      const body = Buffer.from(await res.bytes()).toString('latin1');
      assert.equal(expected.error, null, `${v.name}: expected ${JSON.stringify(expected.error)}`);
      const [want] = expected.responses;
      assert.deepEqual({ status: res.status, reason: res.reason, headers: fields(res.headers), body, trailers: fields(res.trailers) },
        { status: want.status, reason: want.reason, headers: want.headers, body: want.body, trailers: want.trailers }, v.name);
    } catch (err) {
      if (!(err instanceof MicroHttpsError)) throw err;
      assert.deepEqual({ code: err.code, detail: err.detailName ?? null }, expected.error, v.name);
    }
  }
});

test('e2e: header injection is refused before a byte is sent', async () => {
  serving = { input: bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), how: 'one', requests: 1 };
  let got = '';
  const counting = await startRawServer({ onConnection: (s) => s.on('data', (c) => { got += c.toString('latin1'); }) });
  try {
    const url = `http://127.0.0.1:${counting.port}/`;
    const attempts = [
      [{ headers: { 'X-A': 'v\r\nX-Injected: 1' } }, 'BAD_HEADER_VALUE'],
      [{ headers: [['X-A\r\nX-Injected', '1']] }, 'BAD_HEADER_NAME'],
      [{ method: 'GET /x HTTP/1.1\r\n' }, 'BAD_METHOD'],
      [{ headers: { Host: 'evil.test' } }, 'MANAGED_HEADER'],
    ];
    for (const [options, detail] of attempts) {
      await assert.rejects(request(url, { ...options, timeout: TIMEOUT }), (err) => err.code === 'REQUEST_INVALID' && err.detailName === detail);
    }
    // a target with CR LF cannot come out of a parsed URL, so try it on a Connection
    const conn = await Connection.open({ host: '127.0.0.1', port: counting.port, tls: false, timeout: TIMEOUT });
    try {
      await assert.rejects(conn.send({ method: 'GET', target: '/a\r\nX-Injected: 1', host: 'h', headers: [] }),
        (err) => err.code === 'REQUEST_INVALID' && err.detailName === 'BAD_TARGET');
    } finally {
      conn.destroy();
    }
    await tick();
    assert.equal(got, '', 'nothing reached the server');
  } finally {
    await counting.close();
  }
});

test('e2e: status 600-999 is delivered as a 5xx-class response (ok false, raiseForStatus raising), in request() and fetch', async () => {
  const odd = await startRawServer({
    onConnection: (s) => s.once('data', () => s.end('HTTP/1.1 600 Odd\r\nContent-Length: 5\r\nConnection: close\r\n\r\nodd!\n')),
  });
  try {
    const url = `http://127.0.0.1:${odd.port}/`;
    const res = await request(url, { timeout: TIMEOUT });
    assert.deepEqual([res.status, res.reason, res.ok, await res.text()], [600, 'Odd', false, 'odd!\n']);
    assert.throws(() => res.raiseForStatus(), (err) => err.name === 'HTTPError' && err.status === 600);
    const fetched = await fetch(url, { timeout: TIMEOUT });
    assert.deepEqual([fetched.status, fetched.statusText, fetched.ok, await fetched.text()], [600, 'Odd', false, 'odd!\n']);
  } finally {
    await odd.close();
  }
});

test('e2e: a reason phrase longer than statusLineBytes is cut there, the response delivered (default limits)', async () => {
  const reason = `Not Found ${'because '.repeat(1000)}`;
  const long = await startRawServer({
    onConnection: (s) => s.once('data', () => s.end(`HTTP/1.1 404 ${reason}\r\nContent-Length: 4\r\nConnection: close\r\n\r\ngone`)),
  });
  try {
    const res = await request(`http://127.0.0.1:${long.port}/`, { timeout: TIMEOUT });
    // statusLineBytes (default 1024) holds "HTTP/1.1 404 " and the first 1011 bytes of the reason
    assert.deepEqual([res.status, res.reason, await res.text()], [404, reason.slice(0, 1024 - 13), 'gone']);
  } finally {
    await long.close();
  }
});
