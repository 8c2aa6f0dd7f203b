// Parking idle connections (issue 15): an idle keep-alive connection keeps
// its core's state as bytes (globals and the memory that differs from a fresh
// instance, host/node/coreState.ts) and gives its instance back; its next use
// resumes on whatever instance of the same module the pool has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../dist/connection.js';
import { Session } from '../dist/index.js';
import { Core, takeCore, giveBackCore, coreInstantiations } from '../dist/core.js';
import { Event, Mem } from '../dist/generated/spec.js';
import { loopback, localHttpsServer } from './helpers/core-client.mjs';
import { seededBytes } from './helpers/prng.mjs';

/**
 * What a parked connection may keep after a GET of 1 KiB (bytes): the TLS
 * engine's keys and counters, the HTTP layer's state, the last records'
 * bytes in the record buffer, and 8 bytes per run of changes. Measured about
 * 7 KB (TLS 1.3 and 1.2); an idle connection's instance is ~110 KB.
 */
const PARKED_BUDGET = 12 * 1024;

let pki, server, local;
before(async () => {
  local = await localHttpsServer((req, res) => res.end(seededBytes(req.url, 1024)));
  ({ pki, server } = local);
});
after(() => local.close());

const turn = () => new Promise((resolve) => setImmediate(resolve));

function open(more = {}) {
  return Connection.open({ host: 'localhost', port: server.port, tls: true, ca: pki.root.certPem, lookup: loopback, timeout: { connect: 5000, read: 5000 }, sessionCache: false, ...more });
}

/** GET path on conn; returns the body bytes, copied out of the core. */
async function get(conn, path) {
  let ev = await conn.send({ method: 'GET', target: path, host: `localhost:${server.port}`, headers: [] });
  assert.equal(ev, Event.HEAD);
  const parts = [];
  for (;;) {
    ev = await conn.next('body');
    if (ev === Event.BODY) parts.push(conn.bodyChunk());
    else if (ev === Event.DONE) return Buffer.concat(parts);
  }
}

async function parkIdle(conn) {
  conn.setIdle(true);
  await turn();
  await turn();
}

for (const version of ['1.3', '1.2']) {
  test(`TLS ${version}: a parked connection keeps a few KB, resumes on another instance, and serves byte-exact bodies with the same figures`, async (t) => {
    const a = await open({ maxVersion: version });
    const b = await open({ maxVersion: version });
    try {
      assert.ok((await get(a, '/a1')).equals(seededBytes('/a1', 1024)));
      assert.ok((await get(b, '/b1')).equals(seededBytes('/b1', 1024)));
      const figures = a.memoryReport();
      await parkIdle(a);
      await parkIdle(b);
      t.diagnostic(`TLS ${version}: parked ${a.parkedBytes} and ${b.parkedBytes} bytes`);
      for (const conn of [a, b]) {
        assert.ok(conn.parkedBytes > 0 && conn.parkedBytes <= PARKED_BUDGET, `${conn.parkedBytes} bytes parked, budget ${PARKED_BUDGET}`);
      }
      assert.deepEqual(a.memoryReport(), figures, 'figures kept while parked');
      // b resumes first: it takes the instance a had, and a the one b had
      const made = coreInstantiations();
      b.setIdle(false);
      assert.ok((await get(b, '/b2')).equals(seededBytes('/b2', 1024)));
      a.setIdle(false);
      assert.ok((await get(a, '/a2')).equals(seededBytes('/a2', 1024)));
      assert.equal(coreInstantiations(), made, 'resumed on pooled instances');
      assert.equal(a.parkedBytes, 0);
      assert.deepEqual(a.memoryReport(), figures, 'the same figures after the move');
      assert.equal(a.tlsInfo.version, `TLSv${version}`);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('a connection parked and resumed many times keeps working (sequence numbers, keys, parser state move with it)', async () => {
  const conn = await open();
  try {
    for (let i = 0; i < 30; i++) {
      assert.ok((await get(conn, `/many${i}`)).equals(seededBytes(`/many${i}`, 1024)), `request ${i}`);
      await parkIdle(conn);
      assert.ok(conn.parkedBytes > 0);
      conn.setIdle(false);
    }
  } finally {
    await conn.close();
  }
});

test('a parked connection closes with close_notify, and its Session\'s idle connections park', async () => {
  const session = new Session({ ca: pki.root.certPem, lookup: loopback });
  const bodies = await Promise.all([0, 1, 2].map(async (i) => (await session.get(`https://localhost:${server.port}/s${i}`)).bytes()));
  bodies.forEach((body, i) => assert.ok(Buffer.from(body).equals(seededBytes(`/s${i}`, 1024))));
  await turn();
  await turn();
  // three connections idle, parked: their instances serve three new connections elsewhere
  const made = coreInstantiations();
  const others = await Promise.all([0, 1, 2].map(() => open()));
  assert.equal(coreInstantiations(), made, 'the parked connections gave their instances back');
  await Promise.all(others.map((c) => c.close()));
  assert.equal(session.idleConnections, 3);
  const again = await session.get(`https://localhost:${server.port}/again`);
  assert.ok(Buffer.from(await again.bytes()).equals(seededBytes('/again', 1024)));
  await session.close();
});

test('a parked state resumes only on an instance of the same module', () => {
  const small = takeCore('small');
  assert.equal(small.x.mh_init(), 0);
  const figures = small.memoryReport();
  const parked = small.park();
  giveBackCore(small);
  const full = new Core(Date.now, 'full');
  assert.throws(() => full.unpark(parked), (err) => err.code === 'INTERNAL' && /parked on the 'small' core/.test(err.message));
  // on the right module it restores every figure
  const other = takeCore('small');
  other.unpark(parked);
  assert.deepEqual(other.memoryReport(), figures);
  assert.equal(other.x.mh_mem(Mem.ARENA_USED) > 0, true);
  giveBackCore(other);
});
