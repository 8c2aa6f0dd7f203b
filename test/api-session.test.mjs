// Sessions: keep-alive reuse counted on the server, per-origin limits, idle
// expiry, stale connections, and the rate limiter on a fake clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Session, RateLimiter } from '../dist/index.js';
import { startHttpsServer, startRawServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';

let pki, leaf, server;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler: (req, res) => setTimeout(() => res.end(req.url), 5) });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = (path) => `https://localhost:${server.port}${path}`;

test('sequential requests reuse one keep-alive connection', async () => {
  const before = server.connections;
  const session = new Session({ ca: pki.root.certPem, lookup: loopback });
  try {
    for (let i = 0; i < 10; i++) assert.equal(await (await session.get(url(`/${i}`))).text(), `/${i}`);
    assert.equal(server.connections - before, 1);
    assert.equal(session.idleConnections, 1);
  } finally {
    await session.close();
  }
});

test('maxSockets caps connections per origin; extra requests wait their turn', async () => {
  const before = server.connections;
  const session = new Session({ ca: pki.root.certPem, lookup: loopback, maxSockets: 2 });
  try {
    const bodies = await Promise.all(Array.from({ length: 8 }, (_, i) => session.get(url(`/c${i}`)).then((r) => r.text())));
    assert.deepEqual(bodies, Array.from({ length: 8 }, (_, i) => `/c${i}`));
    assert.equal(server.connections - before, 2);
  } finally {
    await session.close();
  }
});

test('idle connections expire after idleTimeout', async () => {
  const before = server.connections;
  const session = new Session({ ca: pki.root.certPem, lookup: loopback, idleTimeout: 30 });
  try {
    await (await session.get(url('/a'))).text();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(session.idleConnections, 0);
    await (await session.get(url('/b'))).text();
    assert.equal(server.connections - before, 2);
  } finally {
    await session.close();
  }
});

test('a pooled connection the server drops is replaced transparently (idempotent requests)', async () => {
  // Each connection answers one request, then closes on the next one without
  // a byte of response: the race every keep-alive client meets.
  const raw = await startRawServer({
    onConnection(sock) {
      let served = 0;
      sock.on('data', () => {
        if (served++ === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else sock.destroy();
      });
    },
  });
  const session = new Session();
  try {
    for (let i = 0; i < 3; i++) assert.equal(await (await session.get(`http://127.0.0.1:${raw.port}/${i}`)).text(), 'ok');
    assert.equal(raw.connections, 3);
  } finally {
    await session.close();
    await raw.close();
  }
});

test('a response closed before its body was read does not return its connection to the pool', async () => {
  const session = new Session({ ca: pki.root.certPem, lookup: loopback });
  try {
    const res = await session.get(url('/unread'), { stream: true });
    await res.close();
    assert.equal(session.idleConnections, 0);
  } finally {
    await session.close();
  }
});

/** A clock that only moves when told to: the limiter's waits are observed, not slept. */
function fakeClock() {
  let now = 0;
  const sleeps = [];
  return {
    now: () => now,
    sleep: (ms) => { sleeps.push(ms); now += ms; return Promise.resolve(); },
    advance: (ms) => { now += ms; },
    sleeps,
  };
}

test('rate limiter: a token bucket whose requests wait, in order, none dropped', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ requests: 2, per: 1000 }, clock);
  const order = [];
  await Promise.all(Array.from({ length: 5 }, (_, i) => limiter.acquire().then(() => order.push([i, clock.now()]))));
  assert.deepEqual(order.map(([i]) => i), [0, 1, 2, 3, 4]);
  // a burst of 2, then one every 500 ms
  assert.deepEqual(order.map(([, t]) => t), [0, 0, 500, 1000, 1500]);
  clock.advance(10_000); // a long pause refills to capacity, not beyond
  const t0 = clock.now();
  await limiter.acquire();
  await limiter.acquire();
  await limiter.acquire();
  assert.equal(clock.now() - t0, 500);
});

test('a Session with rateLimit spaces its requests on the given clock', async () => {
  const clock = fakeClock();
  const session = new Session({ ca: pki.root.certPem, lookup: loopback, rateLimit: { requests: 1, per: 200 }, rateLimitClock: clock });
  try {
    for (let i = 0; i < 3; i++) await (await session.get(url(`/r${i}`))).text();
    assert.deepEqual(clock.sleeps, [200, 200]);
  } finally {
    await session.close();
  }
  assert.throws(() => new RateLimiter({ requests: 0, per: 1 }), (err) => err.code === 'CONFIG' && /rateLimit/.test(err.message));
});
