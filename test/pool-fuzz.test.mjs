// Hostile servers against connections that share the core pool (issue 15):
// while some connections get malformed HTTP (over TLS and plain) or garbage
// instead of TLS, and their instances go back to the pool and serve the next
// connection, the connections to an honest server must get byte-exact bodies,
// and every failure must be a MicroHttpsError. Seeded, bounded in rounds and
// time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Session, MicroHttpsError } from '../dist/index.js';
import { coreInstantiations, CORE_POOL_BOUND } from '../dist/core.js';
import { startHttpsServer, startTlsRawServer, startRawServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';
import { prng, seededBytes } from './helpers/prng.mjs';

const SEED = 20261203;
const ROUNDS = 40;
const HONEST_PER_ROUND = 3;
const TIMEOUT = { connect: 2000, read: 400 };

let pki, leaf, honest, hostileTls, hostileHttp, garbageTls;
const random = prng(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];

/** A well-formed response, then mangled one of several ways. */
function hostileResponse() {
  const body = seededBytes(`hostile${random()}`, 1 + Math.floor(random() * 3000));
  const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
  const valid = random() < 0.5
    ? Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body])
    : Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked]);
  const out = Buffer.from(valid);
  switch (pick(['flip', 'truncate', 'garbage', 'huge-length', 'huge-chunk', 'headers'])) {
    case 'flip':
      for (let i = 0; i < 1 + random() * 8; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
      return out;
    case 'truncate':
      return out.subarray(0, Math.floor(random() * out.length));
    case 'garbage':
      return seededBytes(`garbage${random()}`, 1 + Math.floor(random() * 20000));
    case 'huge-length':
      return Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n'), body]);
    case 'huge-chunk':
      return Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n'), body]);
    default:
      return Buffer.from(`HTTP/1.1 200 OK\r\n${'x-fill: '.concat('a'.repeat(Math.floor(random() * 40000)))}\r\n\r\n`);
  }
}

/** Answers every request with a hostile response, then closes or stays open at random. */
function misbehave(socket) {
  socket.once('data', () => {
    socket.write(hostileResponse());
    if (random() < 0.7) socket.end();
  });
}

before(async () => {
  ({ pki, leaf } = localPki());
  const tlsServer = { key: leaf.keyPem, cert: leaf.chainPem };
  honest = await startHttpsServer({ ...tlsServer, handler: (req, res) => res.end(seededBytes(req.url, 1000 + (req.url.length * 977) % 40000)) });
  hostileTls = await startTlsRawServer({ ...tlsServer, onSecureConnection: misbehave });
  hostileHttp = await startRawServer({ onConnection: misbehave });
  // speaks garbage where the TLS handshake should be, after reading the ClientHello
  garbageTls = await startRawServer({ onConnection: (socket) => socket.once('data', () => socket.end(seededBytes(`tls${random()}`, 1 + Math.floor(random() * 600)))) });
});
after(async () => {
  await Promise.all([honest, hostileTls, hostileHttp, garbageTls].map((s) => s.close()));
  pki.cleanup();
});

/** An honest GET: its body must be byte-exact whatever the other connections met. */
async function honestGet(session, round, i) {
  const path = `/r${round}/${i}`;
  const headers = random() < 0.5 ? { connection: 'close' } : {};
  const body = Buffer.from(await (await session.get(`https://localhost:${honest.port}${path}`, { headers })).bytes());
  assert.ok(body.equals(seededBytes(path, 1000 + (path.length * 977) % 40000)), `body of ${path}`);
}

/** A hostile GET: any outcome but an error that is not ours. */
async function hostileGet(round) {
  const target = pick([
    `https://localhost:${hostileTls.port}/h${round}`,
    `http://127.0.0.1:${hostileHttp.port}/h${round}`,
    `https://localhost:${garbageTls.port}/g${round}`,
  ]);
  const session = new Session({ ca: pki.root.certPem, lookup: loopback, timeout: TIMEOUT });
  try {
    await (await session.get(target)).bytes();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof MicroHttpsError, `${target}: ${err?.stack ?? err}`);
    return err.code;
  } finally {
    await session.close();
  }
}

test(`${ROUNDS} rounds of honest and hostile connections sharing the core pool: honest bodies stay byte-exact`, async (t) => {
  const outcomes = new Map();
  const started = coreInstantiations();
  const deadline = Date.now() + 120_000;
  for (let round = 0; round < ROUNDS && Date.now() < deadline; round++) {
    const session = new Session({ ca: pki.root.certPem, lookup: loopback, timeout: TIMEOUT });
    try {
      const hostile = Promise.all(Array.from({ length: 3 }, () => hostileGet(round)));
      const honestOnes = Promise.all(Array.from({ length: HONEST_PER_ROUND }, (_, i) => honestGet(session, round, i)));
      const [codes] = await Promise.all([hostile, honestOnes]);
      for (const code of codes) outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    } finally {
      await session.close();
    }
  }
  const show = JSON.stringify([...outcomes]);
  t.diagnostic(`hostile outcomes: ${show}`);
  const failures = [...outcomes.entries()].filter(([code]) => code !== 'ok').reduce((n, [, c]) => n + c, 0);
  assert.ok(failures > ROUNDS, `the hostile servers made connections fail (${show})`);
  // six connections at a time at most: the pool, not instantiation, served the rounds
  assert.ok(coreInstantiations() - started <= CORE_POOL_BOUND, `${coreInstantiations() - started} instantiations`);
});
