// Every file in examples/ run as a user would run it (a child process),
// against local servers on 127.0.0.1. The examples trust the test CA through
// NODE_EXTRA_CA_CERTS, exactly as they would trust a private CA in real use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpsServer, startRawServer, startTlsRawServer } from './helpers/servers.mjs';
import { localPki } from './helpers/core-client.mjs';
import { runNode } from './helpers/child.mjs';

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples');
const BIG = 3 * 1024 * 1024 + 123; // not a multiple of 1 KiB: the last chunk is short
const bigBody = Buffer.alloc(BIG);
for (let i = 0; i < BIG; i++) bigBody[i] = (i * 7 + (i >> 10)) & 0xff;

let pki, leaf, caFile, server;
let seen = []; // requests the main server received, reset by the tests that count them
const extra = [];

function handler(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, socket: req.socket.remotePort });
    const url = new URL(req.url, 'https://localhost');
    if (url.pathname === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<h1>hello from the test server</h1>\n');
    } else if (url.pathname === '/echo') {
      const body = JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else if (url.pathname === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG });
      // 64 KiB writes with backpressure: the client reads at its own pace
      let at = 0;
      const pump = () => {
        while (at < BIG) {
          const piece = bigBody.subarray(at, at + 65536);
          at += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (url.pathname === '/reading') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ reading: url.searchParams.get('reading') }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
}

before(async () => {
  ({ pki, leaf } = localPki());
  caFile = path.join(pki.dir, 'test-ca.pem');
  fs.writeFileSync(caFile, pki.root.certPem);
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
});
after(async () => {
  await Promise.all([server.close(), ...extra.map((s) => s.close())]);
  pki.cleanup();
});

/** A server for one test, closed with the others at the end. */
async function also(start) {
  const s = await start();
  extra.push(s);
  return s;
}

const run = (name, args) => runNode(path.join(examples, name), args, { env: { NODE_EXTRA_CA_CERTS: caFile } });
const at = (p, s = server) => `https://localhost:${s.port}${p}`;

test('get.mjs prints the status, the content type and the body', async () => {
  seen = [];
  const { code, stdout, stderr } = await run('get.mjs', [at('/page')]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, '200 OK\ntext/html; charset=utf-8\n<h1>hello from the test server</h1>\n\n');
  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, 'GET');
});

test('post-json.mjs sends JSON and prints the JSON reply', async () => {
  const { code, stdout, stderr } = await run('post-json.mjs', [at('/echo')]);
  assert.equal(code, 0, stderr);
  const [status, ...rest] = stdout.split('\n');
  assert.equal(status, '200 OK');
  const reply = JSON.parse(rest.join('\n'));
  assert.equal(reply.method, 'POST');
  assert.equal(reply.contentType, 'application/json');
  assert.deepEqual(JSON.parse(reply.body), { sensor: 'greenhouse-1', temperature: 21.5 });
});

test('post-json.mjs fails with the HTTP status when the server refuses', async () => {
  const { code, stderr } = await run('post-json.mjs', [at('/nowhere')]);
  assert.equal(code, 1);
  assert.match(stderr, /HTTPError: HTTP 404 Not Found/);
});

test('stream-download.mjs counts a 3 MiB body read in chunks of at most 1 KiB', async () => {
  const { code, stdout, stderr } = await run('stream-download.mjs', [at('/big')]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, new RegExp(`^${BIG} bytes, in chunks of at most 1024 bytes\n`));
  assert.match(stdout, /core arena in use: \d+ bytes; JS heap peak: [\d.]+ MiB/);
});

test('stream-download.mjs writes the body to a file byte for byte', async () => {
  const file = path.join(pki.dir, 'download.bin');
  const { code, stdout, stderr } = await run('stream-download.mjs', [at('/big'), file]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, new RegExp(`^${BIG} bytes written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const digest = (b) => createHash('sha256').update(b).digest('hex');
  assert.equal(digest(fs.readFileSync(file)), digest(bigBody));
});

test('session-rate-limit.mjs: 5 rate-limited requests over one keep-alive connection', async () => {
  seen = [];
  const before = server.connections;
  const { code, stdout, stderr } = await run('session-rate-limit.mjs', [at('/reading')]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 5);
  lines.forEach((line, i) => assert.match(line, new RegExp(`^request ${i + 1}: 200 at \\d+ ms, ${i === 0 ? 'new' : 'reused'} connection$`)));
  // counted on the server side: one TCP connection, five requests with the session's headers
  assert.equal(server.connections - before, 1);
  assert.deepEqual(seen.map((r) => r.url), [1, 2, 3, 4, 5].map((i) => `/reading?reading=${i}`));
  assert.ok(seen.every((r) => r.headers['user-agent'] === 'greenhouse-logger/1.0'));
});

test('fetch.mjs posts JSON and reads the ReadableStream body', async () => {
  const { code, stdout, stderr } = await run('fetch.mjs', [at('/echo')]);
  assert.equal(code, 0, stderr);
  const [first, ...rest] = stdout.trim().split('\n');
  assert.equal(first, `200 OK ${at('/echo')}`);
  assert.deepEqual(JSON.parse(rest.join('\n')), { method: 'POST', contentType: 'application/json', body: '{"hello":"world"}' });
});

test('errors.mjs: a good server is OK', async () => {
  const { code, stdout } = await run('errors.mjs', [at('/page')]);
  assert.equal(code, 0);
  assert.equal(stdout, 'OK 200 OK\n');
});

/** Runs errors.mjs against url; checks the exit status and the first output line. */
async function errorsExample(url, firstLine, timeout = '5000') {
  const { code, stdout, stderr } = await run('errors.mjs', [url, timeout]);
  assert.equal(code, 1, stderr);
  assert.match(stdout.split('\n')[0], firstLine);
  return stdout;
}

test('errors.mjs: expired certificate -> CERT_EXPIRED', async () => {
  const expired = pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 });
  const s = await also(() => startHttpsServer({ key: expired.keyPem, cert: expired.chainPem }));
  await errorsExample(at('/', s), /^CERT_EXPIRED: the server's certificate is not acceptable/);
});

test('errors.mjs: self-signed certificate -> CERT_UNTRUSTED', async () => {
  const self = pki.selfSigned({ dns: ['localhost'] });
  const s = await also(() => startHttpsServer({ key: self.keyPem, cert: self.certPem }));
  await errorsExample(at('/', s), /^CERT_UNTRUSTED: unknown CA/);
});

test('errors.mjs: nothing listening -> CONNECT', async () => {
  const s = await startRawServer({ onConnection: (socket) => socket.destroy() });
  const { port } = s;
  await s.close(); // the port is free now: connections are refused
  await errorsExample(`https://127.0.0.1:${port}/`, /^CONNECT: nothing accepts connections/);
});

test('errors.mjs: a host name that does not resolve -> DNS', async () => {
  await errorsExample('https://no-such-host.invalid/', /^DNS: the host name does not resolve/);
});

test('errors.mjs: a server that never answers -> TIMEOUT', async () => {
  const s = await also(() => startRawServer({ onConnection: () => {} })); // accepts, says nothing
  const out = await errorsExample(at('/', s), /^TIMEOUT: the server did not answer in time/, '300');
  assert.match(out, /tls/); // the phase it stalled in
});

test('errors.mjs: the connection drops mid-body -> CLOSED', async () => {
  const s = await also(() => startTlsRawServer({
    key: leaf.keyPem,
    cert: leaf.chainPem,
    onSecureConnection(socket) {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part');
        setTimeout(() => socket.destroy(), 50); // no close_notify: a cut, not an end
      });
    },
  }));
  await errorsExample(at('/', s), /^CLOSED: the connection dropped before the response was complete/);
});

test('errors.mjs: a malformed response -> HTTP_PARSE', async () => {
  const s = await also(() => startTlsRawServer({
    key: leaf.keyPem,
    cert: leaf.chainPem,
    onSecureConnection(socket) {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'));
    },
  }));
  const out = await errorsExample(at('/', s), /^HTTP_PARSE: the server sent a malformed or oversized response/);
  assert.match(out, /whitespace between header name and colon/);
});

test('errors.mjs: an HTTP error status -> HTTPError', async () => {
  await errorsExample(at('/missing'), /^HTTP 404: the request was refused/);
});

test('small-core.mjs: the small core with 1 KiB records, and a saved session the second run resumes', async () => {
  const store = new Map();
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  const sessionFile = path.join(pki.dir, 'session.bin');
  try {
    const first = await run('small-core.mjs', [at('/', s), sessionFile]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^200 OK, \d+ bytes, ECDHE-ECDSA-[A-Z0-9-]+, resumed: false, records: 1024 bytes$/m);
    const [, used, heapBase] = first.stdout.match(/^core memory used: (\d+) bytes .* of (\d+)$/m);
    assert.ok(Number(used) <= Number(heapBase) && Number(heapBase) <= 65536, first.stdout);
    assert.equal(fs.statSync(sessionFile).mode & 0o777, 0o600);
    const second = await run('small-core.mjs', [at('/', s), sessionFile]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /resumed: true, records: 1024 bytes$/m);
  } finally {
    await s.close();
  }
});
