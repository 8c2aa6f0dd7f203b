// Content-Encoding in the Node host: gzip, x-gzip, deflate (zlib-wrapped and
// raw), br and a list of two, decoded by every body API, by fetch and by the
// CLI with --compressed; raw bytes with decompress: false; corrupt and
// truncated streams and decompression bombs refused with their own errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { get, head, fetch, MicroHttpsError } from '../dist/index.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';
import { runNode } from './helpers/child.mjs';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const MiB = 1024 * 1024;

/** A JSON document of about 200 KiB: several zlib output chunks once decoded. */
const records = Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `sensor-${i}`, reading: (i * 37) % 1000, tags: ['a', 'b', `t${i % 7}`] }));
const plain = Buffer.from(`${JSON.stringify(records)}\n`);
const gzip = zlib.gzipSync(plain);
const encodings = {
  gzip: { coding: 'gzip', bytes: gzip },
  'x-gzip': { coding: 'x-gzip', bytes: gzip },
  'deflate-zlib': { coding: 'deflate', bytes: zlib.deflateSync(plain) },
  'deflate-raw': { coding: 'deflate', bytes: zlib.deflateRawSync(plain) },
  br: { coding: 'br', bytes: zlib.brotliCompressSync(plain) },
  // gzip applied first, then br: undone in reverse order
  'gzip-br': { coding: 'gzip, br', bytes: zlib.brotliCompressSync(gzip) },
};
const corrupt = Buffer.from(gzip);
corrupt.fill(0xff, 100, 140);

let pki, leaf, server, seen;

/** 1 GiB of zeros, gzip'd as the client reads it: never held in memory, stopped when the client leaves. */
function sendBomb(res) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
  const z = zlib.createGzip({ level: 1 });
  z.pipe(res);
  const zeros = Buffer.alloc(MiB);
  let written = 0;
  const pump = () => {
    while (written < 1024 * MiB && !res.destroyed) {
      written += zeros.length;
      if (!z.write(zeros)) return void z.once('drain', pump);
    }
    z.end();
  };
  res.on('close', () => z.destroy());
  pump();
}

function handler(req, res) {
  seen = req.headers;
  const name = req.url.slice(1);
  const send = (status, headers, body) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  if (encodings[name]) {
    const { coding, bytes } = encodings[name];
    send(200, { 'content-type': 'application/json', 'content-encoding': coding, 'content-length': bytes.length }, bytes);
  } else if (name === 'chunked-gzip') {
    // no Content-Length: Node sends it chunked, in the pieces written
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    for (let at = 0; at < gzip.length; at += 1000) res.write(gzip.subarray(at, at + 1000));
    res.end();
  } else if (name === 'truncated') {
    send(200, { 'content-encoding': 'gzip', 'content-length': gzip.length >> 1 }, gzip.subarray(0, gzip.length >> 1));
  } else if (name === 'corrupt') {
    send(200, { 'content-encoding': 'gzip', 'content-length': corrupt.length }, corrupt);
  } else if (name === 'unknown') {
    send(200, { 'content-encoding': 'compress', 'content-length': gzip.length }, gzip);
  } else if (name === 'six-layers') {
    send(200, { 'content-encoding': 'gzip, gzip, gzip, gzip, gzip, gzip', 'content-length': gzip.length }, gzip);
  } else if (name === 'redirect-corrupt') {
    send(302, { location: '/gzip', 'content-encoding': 'gzip', 'content-length': corrupt.length }, corrupt);
  } else if (name === 'no-content') {
    send(204, { 'content-encoding': 'gzip' });
  } else if (name === 'not-modified') {
    send(304, { 'content-encoding': 'gzip' });
  } else if (name === 'bomb') {
    sendBomb(res);
  } else if (name === 'large') {
    // 3 MiB of text that compresses well but within any sane ratio
    const text = Buffer.from(Array.from({ length: 3 * 1024 }, (_, i) => `${i.toString(36).padStart(8, '0')}${'x'.repeat(1015)}\n`).join(''));
    const bytes = zlib.gzipSync(text);
    send(200, { 'content-encoding': 'gzip', 'content-length': bytes.length }, bytes);
  } else {
    send(200, { 'content-type': 'application/json' }, JSON.stringify(req.headers));
  }
}

before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = (name) => `https://localhost:${server.port}/${name}`;
const opts = (extra = {}) => ({ ca: pki.root.certPem, lookup: loopback, ...extra });

/** Every way of reading a body, each on its own response, as bytes. */
const readers = {
  bytes: async (res) => Buffer.from(await res.bytes()),
  text: async (res) => Buffer.from(await res.text()),
  json: async (res) => Buffer.from(`${JSON.stringify(await res.json())}\n`),
  iterContent: async (res) => {
    const parts = [];
    for await (const chunk of res.iterContent(4096)) parts.push(chunk);
    return Buffer.concat(parts);
  },
  iterLines: async (res) => {
    const lines = [];
    for await (const line of res.iterLines()) lines.push(line);
    return Buffer.from(`${lines.join('\n')}\n`);
  },
};

for (const name of [...Object.keys(encodings), 'chunked-gzip']) {
  test(`${name}: every body API hands back the decoded body, streamed and preloaded; headers stay as sent`, async () => {
    for (const [reader, read] of Object.entries(readers)) {
      for (const stream of [true, false]) {
        const res = await get(url(name), opts({ stream }));
        assert.deepEqual(await read(res), plain, `${reader}, stream: ${stream}`);
        const coding = name === 'chunked-gzip' ? 'gzip' : encodings[name].coding;
        assert.equal(res.headers.get('content-encoding'), coding);
        if (name !== 'chunked-gzip') assert.equal(res.headers.get('content-length'), String(encodings[name].bytes.length));
        assert.deepEqual(res.decodedEncodings, coding.split(', ').reverse().map((c) => c.trim()));
      }
    }
  });
}

test('Accept-Encoding: gzip, deflate, br by default; the caller\'s own is kept; none with decompress: false', async () => {
  await (await get(url('echo'), opts())).text();
  assert.equal(seen['accept-encoding'], 'gzip, deflate, br');
  await (await get(url('echo'), opts({ headers: { 'Accept-Encoding': 'br' } }))).text();
  assert.equal(seen['accept-encoding'], 'br');
  await (await get(url('echo'), opts({ decompress: false }))).text();
  assert.equal(seen['accept-encoding'], undefined);
});

test('decompress: false hands back the bytes as sent', async () => {
  for (const name of ['gzip', 'br', 'gzip-br']) {
    const res = await get(url(name), opts({ decompress: false }));
    assert.deepEqual(Buffer.from(await res.bytes()), encodings[name].bytes);
    assert.deepEqual(res.decodedEncodings, []);
  }
});

test('an unknown coding is delivered as sent (as requests and fetch do), its Content-Encoding telling', async () => {
  const res = await get(url('unknown'), opts());
  assert.deepEqual(Buffer.from(await res.bytes()), gzip);
  assert.equal(res.headers.get('content-encoding'), 'compress');
  assert.deepEqual(res.decodedEncodings, []);
});

test('no body to decode: HEAD, 204 and 304 with Content-Encoding: gzip are empty, not errors', async () => {
  const h = await head(url('gzip'), opts());
  assert.equal((await h.bytes()).length, 0);
  for (const name of ['no-content', 'not-modified']) {
    const res = await get(url(name), opts());
    assert.equal((await res.text()), '');
  }
});

test('a redirect\'s body is dropped as sent: a corrupt compressed one does not fail the redirect', async () => {
  const res = await get(url('redirect-corrupt'), opts());
  assert.equal(res.status, 200);
  assert.deepEqual(res.history.map((r) => r.status), [302]);
  assert.deepEqual(Buffer.from(await res.bytes()), plain);
});

function assertBodyDecode(err, pattern) {
  assert.ok(err instanceof MicroHttpsError, String(err));
  assert.equal(err.code, 'HTTP_PARSE');
  assert.equal(err.detailName, 'BODY_DECODE');
  assert.match(err.message, pattern);
}

test('a truncated or corrupt gzip stream is HTTP_PARSE / BODY_DECODE in every API, never short data', async () => {
  for (const [name, pattern] of [['truncated', /gzip: unexpected end of file/], ['corrupt', /gzip: /], ['six-layers', /6 content codings; at most 5/]]) {
    assertBodyDecode(await rejection(() => get(url(name), opts())), pattern);
    for (const [reader, read] of Object.entries(readers)) {
      const res = await get(url(name), opts({ stream: true }));
      assertBodyDecode(await rejection(() => read(res)), pattern, reader);
    }
  }
});

test('a decompression bomb (1 GiB of zeros) stops at decodeLimits.maxRatio with HTTP_LIMIT in every body API and fetch, saying how to raise it', async () => {
  const attempts = [() => get(url('bomb'), opts()), ...Object.values(readers).map((read) => async () => read(await get(url('bomb'), opts({ stream: true }))))];
  for (const attempt of attempts) {
    const err = await rejection(attempt);
    assert.ok(err instanceof MicroHttpsError, String(err));
    assert.equal(err.code, 'HTTP_LIMIT');
    assert.equal(err.detailName, 'decodeLimits.maxRatio');
    assert.match(err.message, /decodeLimits\.maxRatio \(200x: \d+ bytes from \d+ received\).*raise decodeLimits\.maxRatio, or pass decompress: false/);
  }
  // the same bomb through fetch: the body stream errors with the same code
  const res = await fetch(url('bomb'), opts());
  const err = await rejection(() => res.arrayBuffer());
  assert.equal(err.code, 'HTTP_LIMIT');
});

test('decodeLimits.maxBytes bounds the decoded size; raising the limits lets the body through', async () => {
  const err = await rejection(() => get(url('large'), opts({ decodeLimits: { maxBytes: MiB } })));
  assert.equal(err.code, 'HTTP_LIMIT');
  assert.equal(err.detailName, 'decodeLimits.maxBytes');
  assert.match(err.message, /exceeds decodeLimits\.maxBytes \(1048576 bytes\); raise decodeLimits\.maxBytes/);
  const res = await get(url('large'), opts({ decodeLimits: { maxBytes: 4 * MiB } }));
  assert.equal((await res.bytes()).length, 3 * MiB);
});

test('streaming decode keeps memory flat: 128 MiB decoded from a raised-limit bomb, buffers never holding it', async () => {
  const bomb = await get(url('bomb'), opts({ stream: true, decodeLimits: { maxRatio: 2000 } }));
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let peak = buffersBefore;
  let decoded = 0;
  let pieces = 0;
  // bounded: the default maxBytes (1 GiB) would end it at the latest
  for await (const chunk of bomb.iterContent()) {
    decoded += chunk.length;
    if (++pieces % 256 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    if (decoded >= 128 * MiB) break;
  }
  assert.ok(decoded >= 128 * MiB);
  assert.ok(peak - buffersBefore < 48 * MiB, `buffers grew by ${((peak - buffersBefore) / MiB).toFixed(1)} MiB`);
});

test('bad decodeLimits are CONFIG errors naming the field, before anything is sent', async () => {
  for (const limits of [{ maxBytes: -1 }, { maxRatio: 'x' }, 5]) {
    seen = undefined;
    const err = await rejection(() => get(url('echo'), opts({ decodeLimits: limits })));
    assert.equal(err.code, 'CONFIG');
    assert.match(err.message, /decodeLimits/);
    assert.equal(seen, undefined);
  }
});

test('fetch: body stream, text, json and arrayBuffer are decoded; headers keep Content-Encoding and Content-Length', async () => {
  for (const name of Object.keys(encodings)) {
    const res = await fetch(url(name), opts());
    assert.equal(res.headers.get('content-encoding'), encodings[name].coding);
    assert.equal(res.headers.get('content-length'), String(encodings[name].bytes.length));
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), plain, name);
  }
  assert.equal(await (await fetch(url('gzip'), opts())).text(), plain.toString());
  assert.deepEqual(await (await fetch(url('br'), opts())).json(), records);
  const parts = [];
  for await (const chunk of (await fetch(url('chunked-gzip'), opts())).body) parts.push(chunk);
  assert.deepEqual(Buffer.concat(parts), plain);
  const raw = await fetch(url('gzip'), opts({ decompress: false }));
  assert.deepEqual(Buffer.from(await raw.arrayBuffer()), gzip);
  const err = await rejection(async () => (await fetch(url('corrupt'), opts())).text());
  assert.equal(err.detailName, 'BODY_DECODE');
});

test('CLI: the body as received by default (as curl), decoded with --compressed; corrupt, truncated and bomb bodies fail', async () => {
  const caFile = path.join(pki.dir, 'ca.pem');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(caFile, pki.root.certPem);
  const args = (name) => [url(name), '--ca', caFile, '--resolve', `localhost:${server.port}:127.0.0.1`];
  const raw = await runNode(cliPath, args('gzip'), { encoding: 'buffer' });
  assert.equal(raw.code, 0, String(raw.stderr));
  assert.deepEqual(raw.stdout, gzip);
  assert.equal(seen['accept-encoding'], undefined);
  for (const name of ['gzip', 'deflate-raw', 'br']) {
    const decoded = await runNode(cliPath, [...args(name), '--compressed'], { encoding: 'buffer' });
    assert.equal(decoded.code, 0, String(decoded.stderr));
    assert.deepEqual(decoded.stdout, plain);
    assert.equal(seen['accept-encoding'], 'gzip, deflate, br');
  }
  for (const name of ['corrupt', 'truncated']) {
    const bad = await runNode(cliPath, [...args(name), '--compressed']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HTTP_PARSE.*could not be decoded/);
  }
  const bomb = await runNode(cliPath, [...args('bomb'), '--compressed']);
  assert.equal(bomb.code, 1);
  assert.match(bomb.stderr, /HTTP_LIMIT.*decodeLimits\.maxRatio/);
});
