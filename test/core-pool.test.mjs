// The pool of core instances (host/node/core.ts, issue 15): a closed
// connection's instance is reset and serves the next connection. Checked
// here: the reset gives back exactly a fresh instance (memory bytes and
// figures), no instantiation happens on the connection path once warm, no
// setting of one connection reaches the next, and a Response never reads
// bytes its instance now holds for another connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Session, MicroHttpsError } from '../dist/index.js';
import { Core, takeCore, giveBackCore, coreInstantiations, CORE_POOL_BOUND } from '../dist/core.js';
import { Mem, limitSpecs } from '../dist/generated/spec.js';
import { loopback, localHttpsServer, rejection } from './helpers/core-client.mjs';
import { withoutStackPeak } from './helpers/memory.mjs';
import { seededBytes } from './helpers/prng.mjs';
import { spkiSha256Base64 } from '../devkit/pki.mjs';

const PROFILES = ['full', 'portable', 'small'];
const BIG_HEADER = 'x'.repeat(3000);

let pki, leaf, server, local;
before(async () => {
  local = await localHttpsServer((req, res) => {
    const n = Number(new URL(req.url, 'https://x').searchParams.get('bytes') ?? 0);
    res.setHeader('x-big', BIG_HEADER);
    res.end(n > 0 ? seededBytes(req.url, n) : req.url);
  });
  ({ pki, leaf, server } = local);
});
after(() => local.close());

const url = (path) => `https://localhost:${server.port}${path}`;
const trusted = (more = {}) => ({ ca: pki.root.certPem, lookup: loopback, ...more });

/** Everything above the stack: static data of C and AssemblyScript, and the arena. */
const memoryAboveStack = (core) => Buffer.from(core.x.memory.buffer).subarray(core.x.mh_mem(Mem.STACK_SIZE));

/** One GET on a Session of its own, closed afterwards (its instance goes back to the pool). */
async function getOnce(path, options = trusted()) {
  const session = new Session(options);
  try {
    const res = await session.get(url(path));
    return { res, body: await res.text() };
  } finally {
    await session.close();
  }
}

for (const profile of PROFILES) {
  test(`${profile}: a reset instance equals a fresh one: globals and memory above the stack, byte for byte`, () => {
    const fresh = new Core(Date.now, profile);
    const used = new Core(Date.now, profile);
    const x = used.x;
    const id = (name) => limitSpecs.find((l) => l.name === name).id;
    assert.equal(x.mh_limit_set(id('headerBytes'), 4096), 0);
    assert.equal(x.mh_init(), 0);
    assert.equal(x.mh_anchor_add(used.putXfer(new X509Certificate(pki.root.certPem).raw)), 0);
    assert.equal(x.mh_pin_add(), 0);
    used.putXfer(Buffer.alloc(64, 0xee));
    used.reset();
    assert.ok(memoryAboveStack(used).equals(memoryAboveStack(fresh)), 'static data and arena as at instantiation');
    // the globals too: limits are not frozen any more and every figure is a fresh instance's
    assert.equal(x.mh_limit_get(id('headerBytes')), fresh.x.mh_limit_get(id('headerBytes')));
    assert.equal(x.mh_anchor_count(), 0);
    assert.equal(x.mh_mem(Mem.ARENA_USED), 0);
    assert.equal(x.mh_init(), 0);
    assert.equal(fresh.x.mh_init(), 0);
    assert.deepEqual(used.memoryReport(), fresh.memoryReport());
  });
}

test('a recycled instance reports the same memory figures for the same GET as a fresh one', async () => {
  // warm: the first GET may instantiate (trust index, core); no session cache, so that both are
  // full handshakes (a resumed one loads no trust anchors: other figures)
  const options = { ...trusted(), sessionCache: false };
  const first = await getOnce('/figures', options);
  const made = coreInstantiations();
  const again = await getOnce('/figures', options);
  assert.equal(coreInstantiations(), made, 'the second connection took the first one\'s instance');
  assert.equal(again.body, first.body);
  assert.deepEqual(withoutStackPeak(again.res.memory), withoutStackPeak(first.res.memory));
});

test('no instantiation on the connection path once warm: sequential and concurrent connections take pooled instances', async () => {
  await getOnce('/warm');
  const made = coreInstantiations();
  for (let i = 0; i < 5; i++) assert.equal((await getOnce(`/seq${i}`)).body, `/seq${i}`);
  assert.equal(coreInstantiations(), made, 'sequential connections');
  // three at once need three instances; once they are back, three more need none
  const concurrent = async () => {
    const sessions = Array.from({ length: 3 }, () => new Session(trusted()));
    try {
      const bodies = await Promise.all(sessions.map((s, i) => s.get(url(`/c${i}`)).then((r) => r.text())));
      assert.deepEqual(bodies, ['/c0', '/c1', '/c2']);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  };
  await concurrent();
  const warm = coreInstantiations();
  await concurrent();
  assert.equal(coreInstantiations(), warm, 'concurrent connections');
});

test('the pool keeps at most CORE_POOL_BOUND idle instances per profile', () => {
  const cores = Array.from({ length: CORE_POOL_BOUND + 3 }, () => takeCore('small'));
  for (const core of cores) giveBackCore(core);
  const made = coreInstantiations();
  const again = Array.from({ length: CORE_POOL_BOUND + 1 }, () => takeCore('small'));
  assert.equal(coreInstantiations(), made + 1, 'CORE_POOL_BOUND came from the pool, one was made');
  for (const core of again) giveBackCore(core);
});

test('trust anchors of one connection are not trusted by the next one on the same instance', async () => {
  assert.equal((await getOnce('/with-ca')).body, '/with-ca');
  const made = coreInstantiations();
  // no ca: Node's roots, which do not include the test root
  const err = await rejection(() => getOnce('/without-ca', { lookup: loopback }));
  assert.equal(coreInstantiations(), made, 'the instance was recycled');
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'CERT_UNTRUSTED');
});

test('pins, limits and the clock of one connection do not reach the next one on the same instance', async () => {
  await getOnce('/warm');
  const made = coreInstantiations();
  const wrongPin = await rejection(() => getOnce('/pinned', trusted({ pin: 'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' })));
  assert.equal(wrongPin.code, 'CERT_UNTRUSTED');
  assert.equal((await getOnce('/after-pin')).body, '/after-pin');
  const small = await rejection(() => getOnce('/small-head', trusted({ limits: { headerBytes: 1024 } })));
  assert.ok(small instanceof MicroHttpsError, String(small));
  const { res } = await getOnce('/after-limits');
  assert.equal(res.headers.get('x-big'), BIG_HEADER);
  const timeless = await rejection(() => getOnce('/no-clock', trusted({ clock: () => undefined })));
  assert.equal(timeless.code, 'CERT_TIME_UNKNOWN');
  assert.equal((await getOnce('/after-clock')).body, '/after-clock');
  const pinned = await getOnce('/right-pin', trusted({ pin: `sha256/${spkiSha256Base64(leaf.certPem)}` }));
  assert.equal(pinned.body, '/right-pin');
  assert.equal(coreInstantiations(), made, 'every connection here ran on the warm instance');
});

test('an old Response keeps its head and TLS facts while its instance serves another connection; its unread body fails clearly', async () => {
  const a = new Session(trusted({ stream: true }));
  const old = await a.get(url('/old?bytes=5000'));
  const head = { status: old.status, headers: [...old.headers], tls: JSON.stringify(old.tls) };
  await old.close(); // unread: the connection closes and its instance goes back
  await a.close();
  const made = coreInstantiations();
  const other = await getOnce('/other?bytes=7000');
  assert.equal(coreInstantiations(), made, 'the other connection runs on the old one\'s instance');
  assert.ok(Buffer.from(other.body, 'latin1').length > 0);
  assert.deepEqual({ status: old.status, headers: [...old.headers], tls: JSON.stringify(old.tls) }, head);
  const err = await rejection(() => old.text());
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'STATE');
  // the figures are the old connection's, kept when it ended, not the other one's
  assert.equal(old.memory.USED_PEAK, old.memory.STATIC_DATA + old.memory.STACK_PEAK + old.memory.ARENA_USED);
});

test('a Response whose connection was aborted mid-body fails with the abort, not with another connection\'s bytes', async () => {
  const controller = new AbortController();
  const a = new Session(trusted({ stream: true }));
  const res = await a.get(url('/abort?bytes=200000'), { signal: controller.signal });
  const chunks = res.iterContent(1024);
  await chunks.next();
  controller.abort();
  const other = await getOnce('/during?bytes=3000');
  assert.equal(Buffer.byteLength(other.body, 'latin1') > 0, true);
  const err = await rejection(async () => { for await (const chunk of chunks) void chunk; });
  assert.ok(err instanceof MicroHttpsError);
  assert.equal(err.code, 'ABORTED');
  await a.close();
});
