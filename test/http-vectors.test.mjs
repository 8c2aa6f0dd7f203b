// Every vector in vectors/http/ through the core's ABI, no socket: as one
// write, byte by byte, and in seeded random splits; all must give the same
// result, and the one the vector expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCore, runExchange, split, randomSizes, steadyMemory } from './helpers/raw-core.mjs';
import {
  responseVectors, requestVectors, expectedResult, comparable, vectorRequests, bytes, text,
} from './helpers/http-vectors.mjs';
import { limitSpecs } from '../dist/generated/spec.js';

const SEEDS = [1, 2, 3];
const cores = new Map();
/** One core per limit set: mh_open() starts each run on a fresh connection. */
function coreFor(limits = {}) {
  const key = JSON.stringify(limits);
  if (!cores.has(key)) cores.set(key, createCore(limits));
  return cores.get(key);
}

const OK_RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

for (const v of responseVectors()) {
  test(`${v.file}: ${v.name}`, () => {
    const core = coreFor(v.limits);
    const input = bytes(v.response);
    const requests = vectorRequests(v);
    const run = (how) => runExchange(core, { requests, pieces: split(input, how) });
    const whole = run('one');
    assert.deepEqual(comparable(v, whole), expectedResult(v), 'one write');
    assert.deepEqual(run('byte'), whole, 'byte by byte');
    for (const seed of SEEDS) assert.deepEqual(run(randomSizes(seed)), whole, `random splits, seed ${seed}`);
  });
}

for (const v of requestVectors()) {
  test(`${v.file}: ${v.name}`, () => {
    const core = coreFor(v.limits);
    const result = runExchange(core, { requests: [v.request], pieces: [bytes(OK_RESPONSE)] });
    if (v.expect.refused) {
      assert.deepEqual(result.refused, v.expect.refused);
      // refused before a byte of the head went out (body errors come after it)
      if (v.expect.refused.at === 'start' || v.expect.refused.at === 'header' || v.expect.refused.at === 'end') {
        assert.equal(result.sent, '');
      }
    } else {
      assert.equal(result.refused, null);
      assert.equal(result.sent, text(v.expect.sent));
      assert.equal(result.responses.length, 1);
      if ('keepAlive' in v.expect) assert.equal(result.responses[0].keepAlive, v.expect.keepAlive);
    }
  });
}

// Limits that bound the parser's and writer's work (ioBufferBytes, maxFragmentBytes,
// trustStoreBytes and clientCertBytes size buffers: they are not checked
// against input).
const BUFFER_LIMITS = new Set(['ioBufferBytes', 'trustStoreBytes', 'clientCertBytes', 'maxFragmentBytes']);
// statusLineBytes only cuts the reason phrase (limits.json has its vectors):
// it never refuses a response.
const CUT_LIMITS = new Set(['statusLineBytes']);
const INPUT_LIMITS = limitSpecs.map((l) => l.name).filter((n) => !BUFFER_LIMITS.has(n) && !CUT_LIMITS.has(n));

test('every input limit has vectors that hit it, and hitting it leaves the core memory unchanged', () => {
  const hits = new Map(INPUT_LIMITS.map((n) => [n, 0]));
  const limitVectors = [
    ...responseVectors().filter((v) => v.expect.error?.code === 'HTTP_LIMIT'),
    ...requestVectors().filter((v) => v.expect.refused?.detail === 'HEAD_TOO_LARGE'),
  ];
  for (const v of limitVectors) {
    const core = createCore(v.limits ?? {});
    const ok = () => runExchange(core, { requests: [{ method: 'GET' }], pieces: [bytes(OK_RESPONSE)] });
    assert.equal(ok().responses.length, 1);
    const before = steadyMemory(core);
    const result = v.request
      ? runExchange(core, { requests: [v.request], pieces: [] })
      : runExchange(core, { requests: vectorRequests(v), pieces: split(bytes(v.response), 'one') });
    const name = v.request ? 'requestHeadBytes' : result.error.detail;
    if (!v.request) assert.equal(result.error.code, 'HTTP_LIMIT', v.name);
    else assert.deepEqual(result.refused, v.expect.refused);
    hits.set(name, hits.get(name) + 1);
    assert.deepEqual(steadyMemory(core), before, `memory moved after ${v.name}`);
    assert.equal(ok().responses.length, 1, 'the core serves a new connection after the limit');
    assert.deepEqual(steadyMemory(core), before);
    assert.ok(core.memoryReport().STACK_PEAK <= core.memoryReport().STACK_SIZE);
  }
  for (const [name, count] of hits) assert.ok(count > 0, `no vector hits limit ${name}`);
});

test('parser memory does not depend on the input: 1 MiB bodies, many chunks, many responses', () => {
  const core = createCore();
  const first = () => runExchange(core, { requests: [{ method: 'GET' }], pieces: [bytes(OK_RESPONSE)] });
  first();
  const before = steadyMemory(core);
  const big = 'x'.repeat(1 << 20);
  const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'400\r\n'.concat('y'.repeat(1024), '\r\n').repeat(256)}0\r\nT: v\r\n\r\n`;
  const many = `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na`.repeat(200);
  const r1 = runExchange(core, { requests: [{}], pieces: [bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n${big}`)] });
  assert.equal(r1.responses[0].body.length, big.length);
  const r2 = runExchange(core, { requests: [{}], pieces: split(bytes(chunked), randomSizes(9, 64, 3000)) });
  assert.equal(r2.responses[0].body.length, 256 * 1024);
  const r3 = runExchange(core, { requests: Array.from({ length: 200 }, () => ({})), pieces: [bytes(many)] });
  assert.equal(r3.responses.length, 200);
  assert.deepEqual(steadyMemory(core), before);
});
