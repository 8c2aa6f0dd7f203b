// Failures name their cause: timeouts by phase, resets, truncation, aborts,
// DNS and connection errors. A short body is never reported as success.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { get, MicroHttpsError } from '../dist/index.js';
import { startHttpsServer, startRawServer, startTlsRawServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';

let pki, leaf, opts;
before(() => {
  ({ pki, leaf } = localPki());
  opts = { ca: pki.root.certPem, lookup: loopback, timeout: 300 };
});
after(() => pki.cleanup());

function assertTimeout(err, phase) {
  assert.ok(err instanceof MicroHttpsError, String(err));
  assert.equal(err.code, 'TIMEOUT');
  assert.match(err.message, new RegExp(`\\b${phase}\\b`));
}

test('TIMEOUT in dns: a lookup that never answers', async () => {
  const err = await rejection(() => get('https://stuck.example/', { ...opts, lookup: () => new Promise(() => {}) }));
  assertTimeout(err, 'dns');
});

test('TIMEOUT in connect: a listener whose accept queue is full', async () => {
  // A socket that listens with backlog 0 and never accepts: once its queue
  // holds the connections below, the kernel drops further SYNs.
  const holder = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = Number(await new Promise((resolve) => holder.stdout.once('data', (d) => resolve(String(d).trim()))));
    const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    fillers.forEach((s) => s.on('error', () => {}));
    await new Promise((r) => setTimeout(r, 100));
    const err = await rejection(() => get(`http://127.0.0.1:${port}/`, { timeout: { connect: 300, read: 300 } }));
    assertTimeout(err, 'connect');
    fillers.forEach((s) => s.destroy());
  } finally {
    holder.kill();
  }
});

test('TIMEOUT in tls: a server that accepts and says nothing', async () => {
  const s = await startRawServer({ onConnection() {} });
  try {
    assertTimeout(await rejection(() => get(`https://localhost:${s.port}/`, opts)), 'tls');
  } finally {
    await s.close();
  }
});

test('TIMEOUT in head: the request is read but never answered', async () => {
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler() {} });
  try {
    assertTimeout(await rejection(() => get(`https://localhost:${s.port}/`, opts)), 'head');
  } finally {
    await s.close();
  }
});

test('TIMEOUT in body: the body stalls half way', async () => {
  const s = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) {
      res.setHeader('Content-Length', '1000');
      res.write('x'.repeat(100));
    },
  });
  try {
    const res = await get(`https://localhost:${s.port}/`, { ...opts, stream: true });
    assertTimeout(await rejection(() => res.text()), 'body');
  } finally {
    await s.close();
  }
});

test('a reset mid-body -> CLOSED, never a short success', async () => {
  const s = await startTlsRawServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    onSecureConnection(sock) {
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'y'.repeat(100));
        setTimeout(() => sock._parent?.resetAndDestroy?.() ?? sock.destroy(), 20);
      });
    },
  });
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts));
    assert.equal(err.code, 'CLOSED');
  } finally {
    await s.close();
  }
});

test('a clean close mid-body (FIN after close_notify) -> CLOSED with TRUNCATED_BODY', async () => {
  const s = await startTlsRawServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    onSecureConnection(sock) {
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'y'.repeat(100)));
    },
  });
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts));
    assert.equal(err.code, 'CLOSED');
    assert.equal(err.detailName, 'TRUNCATED_BODY');
  } finally {
    await s.close();
  }
});

test('a close-delimited body ends cleanly with close_notify', async () => {
  const s = await startTlsRawServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    onSecureConnection(sock) {
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close'));
    },
  });
  try {
    assert.equal(await (await get(`https://localhost:${s.port}/`, opts)).text(), 'until close');
  } finally {
    await s.close();
  }
});

test('AbortSignal: before the request, and in the middle of the body -> ABORTED', async () => {
  const pre = await rejection(() => get('https://localhost:1/', { ...opts, signal: AbortSignal.abort() }));
  assert.equal(pre.code, 'ABORTED');
  const s = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) {
      res.setHeader('Content-Length', '100000');
      res.write('z'.repeat(1000));
    },
  });
  try {
    const controller = new AbortController();
    const res = await get(`https://localhost:${s.port}/`, { ...opts, timeout: 5000, stream: true, signal: controller.signal });
    const reading = rejection(async () => {
      for await (const chunk of res.iterContent()) if (chunk.length) controller.abort();
    });
    assert.equal((await reading).code, 'ABORTED');
  } finally {
    await s.close();
  }
});

test('DNS failure -> DNS; refused connection -> CONNECT', async () => {
  const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  const dns = await rejection(() => get('https://no-such-host.invalid/', { lookup: async () => { throw notFound; } }));
  assert.equal(dns.code, 'DNS');
  assert.match(dns.message, /ENOTFOUND/);
  const s = await startRawServer({ onConnection() {} });
  const port = s.port;
  await s.close();
  const refused = await rejection(() => get(`http://127.0.0.1:${port}/`));
  assert.equal(refused.code, 'CONNECT');
  assert.match(refused.message, /ECONNREFUSED/);
});

test('a server speaking garbage instead of TLS -> TLS_PROTOCOL or TLS_HANDSHAKE', async () => {
  const s = await startRawServer({ onConnection(sock) { sock.on('data', () => sock.write('HTTP/1.1 400 Bad Request\r\n\r\n')); } });
  try {
    const err = await rejection(() => get(`https://localhost:${s.port}/`, opts));
    assert.ok(['TLS_PROTOCOL', 'TLS_HANDSHAKE'].includes(err.code), err.code);
  } finally {
    await s.close();
  }
});

test('AbortSignal while waiting for the rate limiter or for the handshake -> ABORTED at once', async () => {
  const { Session } = await import('../dist/index.js');
  const http = await startRawServer({ onConnection(sock) { sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')); } });
  const stall = await startRawServer({ onConnection() {} });
  const limited = new Session({ rateLimit: { requests: 1, per: 60_000 } });
  try {
    await (await limited.get(`http://127.0.0.1:${http.port}/1`)).text();
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 50);
    assert.equal((await rejection(() => limited.get(`http://127.0.0.1:${http.port}/2`, { signal: waiting.signal }))).code, 'ABORTED');
    const handshaking = new AbortController();
    setTimeout(() => handshaking.abort(), 50);
    const err = await rejection(() => get(`https://localhost:${stall.port}/`, { ...opts, timeout: 5000, signal: handshaking.signal }));
    assert.equal(err.code, 'ABORTED');
  } finally {
    await limited.close();
    await Promise.all([http.close(), stall.close()]);
  }
});
