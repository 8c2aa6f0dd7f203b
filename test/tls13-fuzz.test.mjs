// A hostile server against the TLS 1.3 engine, seeded and bounded: it reads
// our ClientHello and answers with random bytes, TLS 1.3 ServerHellos
// (echoing our session id, so they get past the first checks) that are
// mutated or carrying extensions that belong elsewhere (record_size_limit and
// max_fragment_length with random values), HelloRetryRequests (second ones
// too), random "encrypted" records,
// oversized records, ChangeCipherSpec and alert records. One core instance
// meets every connection: each must end in an error code (never a trap,
// never INTERNAL), memory must not move, and afterwards the same instance
// must complete a real TLS 1.3 handshake.
//
//   MH_FUZZ_SEED=<n> MH_FUZZ_RUNS=<n> node --test test/tls13-fuzz.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Event, OpenFlag, errorNames } from '../dist/generated/spec.js';
import { makePki } from '../devkit/pki.mjs';
import { startRawServer } from './helpers/servers.mjs';
import { startTls13HttpsServer } from './helpers/tls13-servers.mjs';
import { prng } from './helpers/prng.mjs';
import { fuzzCore } from './helpers/hostile.mjs';
import { driveTls } from './helpers/raw-tls.mjs';

const SEED = Number(process.env.MH_FUZZ_SEED ?? 20240601);
const RUNS = Number(process.env.MH_FUZZ_RUNS ?? 300);
const TLS13 = OpenFlag.TLS | OpenFlag.TLS13;
// SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3)
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

const u16 = (n) => [(n >> 8) & 255, n & 255];
const u24 = (n) => [(n >> 16) & 255, (n >> 8) & 255, n & 255];
const record = (type, body) => Buffer.from([type, 3, 3, ...u16(body.length), ...body]);
const handshake = (type, body) => [type, ...u24(body.length), ...body];
const bytes = (rand, n) => Array.from({ length: n }, () => Math.floor(rand() * 256));
const ext = (type, body) => [...u16(type), ...u16(body.length), ...body];

/** The legacy_session_id of our ClientHello (record 5 + header 4 + version 2 + random 32 + length 1). */
const sessionId = (clientHello) => [...clientHello.subarray(44, 76)];

function serverHello(rand, sid, { retry = false, group = 0x001d, suite = 0x1301, extra = [] } = {}) {
  const share = retry ? u16(group) : [...u16(group), ...u16(32), ...bytes(rand, 32)];
  const exts = [...ext(43, [3, 4]), ...ext(51, share), ...extra];
  const random = retry ? [...HRR_RANDOM] : bytes(rand, 32);
  return handshake(2, [3, 3, ...random, 32, ...sid, ...u16(suite), 0, ...u16(exts.length), ...exts]);
}

function mutate(rand, msg) {
  const out = [...msg];
  for (let e = 0, edits = 1 + Math.floor(rand() * 4); e < edits; e++) {
    const at = Math.floor(rand() * out.length);
    const op = Math.floor(rand() * 4);
    if (op === 0) out[at] ^= 1 << Math.floor(rand() * 8);
    else if (op === 1) out[at] = Math.floor(rand() * 256);
    else if (op === 2) out.splice(at, 1);
    else out.length = Math.max(1, at);
  }
  return out;
}

/** An extension a ServerHello may not carry: unknown, or record_size_limit (RFC 8449) and
 * max_fragment_length of any length and value, which TLS 1.3 answers in EncryptedExtensions; or none. */
function oddExtension(rand) {
  const pick = Math.floor(rand() * 4);
  if (pick === 0) return ext(0x1234, [1]);
  if (pick === 1) return ext(28, bytes(rand, Math.floor(rand() * 4)));
  if (pick === 2) return ext(1, bytes(rand, Math.floor(rand() * 3)));
  return [];
}

/** What the hostile server answers to a ClientHello, for kind k. */
function answer(rand, kind, clientHello) {
  const sid = sessionId(clientHello);
  const encrypted = () => record(23, bytes(rand, 17 + Math.floor(rand() * 600)));
  switch (kind) {
    case 0: return Buffer.from(bytes(rand, Math.floor(rand() * 2048)));
    case 1: return Buffer.concat([record(22, serverHello(rand, sid)), record(20, [1]), encrypted(), encrypted()]);
    case 2: return Buffer.concat([record(22, mutate(rand, serverHello(rand, sid))), encrypted()]);
    case 3: return record(22, serverHello(rand, sid, { retry: true, group: 0x0017, extra: ext(44, [...u16(8), ...bytes(rand, 8)]) }));
    case 4: return record(22, serverHello(rand, sid, { retry: true, group: [0x001d, 0x0099, 0x0017][Math.floor(rand() * 3)] }));
    case 5: return Buffer.concat([record(22, [...serverHello(rand, sid), ...handshake(8, [0, 0])])]); // EncryptedExtensions in clear
    case 6: return Buffer.concat([record(22, serverHello(rand, sid, { suite: [0x1304, 0xc02b, 0x1301][Math.floor(rand() * 3)], extra: oddExtension(rand) }))]);
    case 7: return Buffer.concat([record(20, [1]), record(20, [2, 3]), record(21, [2, Math.floor(rand() * 256)])]);
    default: {
      const len = 16384 + 257 + Math.floor(rand() * 40000);
      return Buffer.concat([Buffer.from([23, 3, 3, ...u16(len & 0xffff)]), Buffer.alloc(2048, 0x41)]);
    }
  }
}
const KINDS = ['random bytes', 'hello then garbage records', 'mutated hello', 'retry with cookie', 'retry to a bad group',
  'hello and plaintext handshake', 'odd suite or extension', 'CCS and alerts', 'oversized record'];

let pki, leaf;
before(() => {
  pki = makePki();
  leaf = pki.issueIntermediate().issueLeaf();
});
after(() => pki.cleanup());

const ALLOWED = new Set(['TLS_PROTOCOL', 'TLS_HANDSHAKE', 'CLOSED']);

for (const [profile, runs] of [['full', RUNS], ['portable', Math.ceil(RUNS / 2)]]) {
  test(`hostile TLS 1.3 server, ${profile} core: ${runs} seeded connections (seed ${SEED}) end in an error code, memory unchanged`, async (t) => {
    const rand = prng(SEED);
    const kinds = [];
    const server = await startRawServer({
      onConnection(socket) {
        const kind = kinds.shift();
        let hellos = 0;
        // answer each ClientHello (a second one follows a HelloRetryRequest), then hang up after the second
        socket.on('data', (chunk) => {
          // our ChangeCipherSpec (6 bytes) may come first, before the second ClientHello
          const hello = chunk[0] === 20 ? chunk.subarray(6) : chunk;
          if (hello[0] !== 22) return;
          hellos++;
          const reply = answer(rand, hellos === 1 ? kind : Math.floor(rand() * 3) + 2, hello);
          if (hellos === 1 && (kind === 3 || kind === 4)) socket.write(reply); else socket.end(reply);
        });
      },
    });
    const { core, x, figures } = fuzzCore(profile, pki.root.certPem);
    const first = figures();
    const seen = {};
    try {
      for (let i = 0; i < runs; i++) {
        const kind = i % KINDS.length;
        kinds.push(kind);
        const { ev, code } = await driveTls(core, server.port, { flags: TLS13 });
        assert.equal(ev, Event.ERROR, `run ${i} (${KINDS[kind]}): a hostile server must not complete a handshake`);
        assert.ok(ALLOWED.has(code), `run ${i} (${KINDS[kind]}): unexpected ${code}`);
        seen[`${KINDS[kind]}: ${code}`] = (seen[`${KINDS[kind]}: ${code}`] ?? 0) + 1;
        assert.deepEqual(figures(), first, `run ${i}: memory figures moved`);
      }
    } finally {
      await server.close();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(seen)}`);

    // the same instance still speaks TLS 1.3 to a real server
    const real = await startTls13HttpsServer({ leaf });
    try {
      const { ev } = await driveTls(core, real.port, { flags: TLS13 });
      assert.equal(ev, Event.IDLE, `after the fuzz run the handshake failed: ${errorNames[x.mh_error_code()]}`);
      assert.equal(x.mh_tls_version(), 0x0304);
      assert.deepEqual(figures(), first);
    } finally {
      await real.close();
    }
  });
}
