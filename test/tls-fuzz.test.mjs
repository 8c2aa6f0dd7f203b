// A hostile TLS server, seeded and bounded: truncated, oversized,
// reordered and random records, and certificate chains with mutated DER.
// One core instance meets every connection in turn: each must end in an
// error code (never a trap, never INTERNAL), the core's memory figures must
// not move, and afterwards the same instance must still complete a real
// handshake and request.
//
//   MH_FUZZ_SEED=<n> MH_FUZZ_RUNS=<n> node --test test/tls-fuzz.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Event, errorNames } from '../dist/generated/spec.js';
import { makePki } from '../devkit/pki.mjs';
import { startRawServer, startHttpsServer } from './helpers/servers.mjs';
import { prng } from './helpers/prng.mjs';
import { fuzzCore } from './helpers/hostile.mjs';
import { driveTls } from './helpers/raw-tls.mjs';

const SEED = Number(process.env.MH_FUZZ_SEED ?? 20240601);
const RUNS = Number(process.env.MH_FUZZ_RUNS ?? 300);

const u24 = (n) => [(n >> 16) & 255, (n >> 8) & 255, n & 255];
const record = (type, body, version = 0x0303) => Buffer.from([type, version >> 8, version & 255, (body.length >> 8) & 255, body.length & 255, ...body]);
const handshake = (type, body) => [type, ...u24(body.length), ...body];

function serverHello(rand, { version = 0x0303, suite = 0xc02b } = {}) {
  const random = Array.from({ length: 32 }, () => Math.floor(rand() * 256));
  return handshake(2, [version >> 8, version & 255, ...random, 0, suite >> 8, suite & 255, 0]);
}

function certificateMessage(ders) {
  const list = ders.flatMap((d) => [...u24(d.length), ...d]);
  return handshake(11, [...u24(list.length), ...list]);
}

/** Flips, overwrites, inserts or deletes a few bytes, or truncates. */
function mutate(rand, der) {
  const out = [...der];
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * out.length);
    const op = Math.floor(rand() * 5);
    if (op === 0) out[at] ^= 1 << Math.floor(rand() * 8);
    else if (op === 1) out[at] = Math.floor(rand() * 256);
    else if (op === 2) out.splice(at, 0, Math.floor(rand() * 256));
    else if (op === 3) out.splice(at, 1);
    else out.length = Math.max(1, at);
  }
  return out;
}

/** Records whose handshake messages span records at random boundaries. */
function fragment(rand, messages) {
  const bytes = messages.flat();
  const out = [];
  for (let at = 0; at < bytes.length;) {
    const n = 1 + Math.floor(rand() * 3000);
    out.push(record(22, bytes.slice(at, at + n)));
    at += n;
  }
  return Buffer.concat(out);
}

/** What the hostile server sends for run i. */
function scenario(rand, chain) {
  const kind = Math.floor(rand() * 7);
  const hello = serverHello(rand);
  const done = handshake(14, []);
  switch (kind) {
    case 0: return { kind: 'random bytes', bytes: Buffer.from(Array.from({ length: Math.floor(rand() * 2048) }, () => Math.floor(rand() * 256))) };
    case 1: { // a complete flight, cut short anywhere
      const full = fragment(rand, [hello, certificateMessage(chain), done]);
      return { kind: 'truncated', bytes: full.subarray(0, Math.floor(rand() * full.length)) };
    }
    case 2: { // a record longer than TLS allows, or than our buffer
      const len = 16384 + 2048 + Math.floor(rand() * 40000);
      const head = Buffer.from([22, 3, 3, (len >> 8) & 255, len & 255]);
      return { kind: 'oversized record', bytes: Buffer.concat([head, Buffer.alloc(Math.min(len, 4096), 0x41)]) };
    }
    case 3: { // the right messages in the wrong order
      const msgs = [hello, certificateMessage(chain), done];
      for (let i = msgs.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [msgs[i], msgs[j]] = [msgs[j], msgs[i]];
      }
      return { kind: 'reordered', bytes: fragment(rand, msgs) };
    }
    case 4: // mutated certificate DER
    case 5: {
      const ders = chain.map((d, i) => (i === 0 || rand() < 0.3 ? mutate(rand, d) : d));
      return { kind: 'mutated certificate', bytes: fragment(rand, [hello, certificateMessage(ders), done]) };
    }
    default: { // a hello with random version and suite, then a random record type
      const odd = serverHello(rand, { version: 0x0300 + Math.floor(rand() * 6), suite: Math.floor(rand() * 65536) });
      return { kind: 'odd hello', bytes: Buffer.concat([record(22, odd), record(Math.floor(rand() * 256), [1, 2, 3])]) };
    }
  }
}

let pki, leaf, chainDer;
before(() => {
  pki = makePki();
  const inter = pki.issueIntermediate();
  leaf = inter.issueLeaf();
  chainDer = [leaf.certPem, inter.certPem].map((pem) => [...new X509Certificate(pem).raw]);
});
after(() => pki.cleanup());

const ALLOWED = new Set(['TLS_PROTOCOL', 'TLS_HANDSHAKE', 'CLOSED', 'CERT_INVALID', 'CERT_UNTRUSTED', 'CERT_EXPIRED',
  'CERT_NOT_YET_VALID', 'CERT_HOSTNAME_MISMATCH']);

// The full core (Node's default) and the small one, whose curve, AES and
// GHASH code differ; the small core gets half the runs to keep CI short.
for (const [profile, runs] of [['full', RUNS], ['small', Math.ceil(RUNS / 2)]]) {
  test(`hostile server, ${profile} core: ${runs} seeded connections (seed ${SEED}) end in an error code, memory unchanged`, async (t) => {
    const rand = prng(SEED);
    const queue = [];
    const server = await startRawServer({
      onConnection(socket) {
        const { bytes } = queue.shift();
        // answer the ClientHello, then hang up
        socket.once('data', () => socket.end(bytes));
      },
    });
    const { core, x, figures } = fuzzCore(profile, pki.root.certPem);
    const first = figures();
    const seen = {};
    try {
      for (let i = 0; i < runs; i++) {
        const s = scenario(rand, chainDer);
        queue.push(s);
        const { ev, code } = await driveTls(core, server.port);
        assert.equal(ev, Event.ERROR, `run ${i} (${s.kind}): a hostile server must not complete a handshake`);
        assert.ok(ALLOWED.has(code), `run ${i} (${s.kind}): unexpected ${code}`);
        seen[`${s.kind}: ${code}`] = (seen[`${s.kind}: ${code}`] ?? 0) + 1;
        assert.deepEqual(figures(), first, `run ${i}: memory figures moved`);
      }
      assert.ok(core.memoryReport().STACK_PEAK < core.memoryReport().STACK_SIZE);
    } finally {
      await server.close();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);
    // every kind of hostility was tried
    const kinds = new Set(Object.keys(seen).map((k) => k.split(':')[0]));
    assert.equal(kinds.size, 7 - 1 /* cases 4 and 5 share a name */, JSON.stringify(seen));

    // the same instance still speaks TLS to a real server
    const real = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
    try {
      const { ev } = await driveTls(core, real.port);
      assert.equal(ev, Event.IDLE, `after the fuzz run the handshake failed: ${errorNames[x.mh_error_code()]}`);
      assert.deepEqual(figures(), first);
    } finally {
      await real.close();
    }
  });
}
