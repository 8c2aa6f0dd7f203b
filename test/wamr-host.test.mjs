// The C host on WAMR (host/wamr): builds microhttps-wamr with -Wall -Wextra
// -Werror against the WAMR runtime named by WAMR_DIR and WAMR_LIB, then runs
// it against real servers on 127.0.0.1 through the cases of https.test.mjs.
// WAMR is not part of this repository nor of CI: without both variables the
// whole file is skipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpsServer, startHttpServer, startRawServer, echoHandler } from './helpers/servers.mjs';
import { localPki } from './helpers/core-client.mjs';

const { WAMR_DIR, WAMR_LIB } = process.env;
const skip = WAMR_DIR && WAMR_LIB ? false
  : 'WAMR_DIR and WAMR_LIB are not set: no WAMR runtime to build the C host against (see docs/wamr.md)';
const root = new URL('..', import.meta.url).pathname;
const RUN_TIMEOUT_MS = 30000;

let dir, cli, pki, leaf, server, caFile;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'microhttps-wamr-'));
  cli = join(dir, 'microhttps-wamr');
  ({ pki, leaf } = localPki());
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.root.certPem);
  server = await startHttpsServer({
    key: leaf.keyPem,
    cert: leaf.chainPem,
    handler(req, res) {
      if (req.url !== '/chunked') return echoHandler(req, res);
      for (let i = 0; i < 20; i++) res.write(`line ${i}\n`); // no length: Node sends chunked
      res.end();
    },
  });
});

after(async () => {
  if (skip) return;
  await server.close();
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI (asynchronously: the servers live in this process). */
function run(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, errorCode: stderr.split('\n')[0] });
    });
  });
}

/** Arguments for an https URL on port, trusting `ca` and resolving localhost to loopback. */
const https = (port, path, ca = caFile) => [`https://localhost:${port}${path}`, '--ca', ca, '--resolve', `localhost:${port}:127.0.0.1`];

/** A server with the given certificate; the CLI's result against it. */
async function against(cert, args = (port) => https(port, '/')) {
  const s = await startHttpsServer({ key: cert.keyPem, cert: cert.chainPem ?? cert.certPem });
  try {
    return await run(args(s.port));
  } finally {
    await s.close();
  }
}

test('the C host compiles with -Wall -Wextra -Werror against WAMR', { skip }, async () => {
  await promisify(execFile)('make', ['-C', join(root, 'host/wamr'), `OUT=${dir}`, `WAMR_DIR=${WAMR_DIR}`, `WAMR_LIB=${WAMR_LIB}`]);
});

test('HTTPS GET with a CA made at test time', { skip }, async () => {
  const r = await run(https(server.port, '/hello?x=1'));
  assert.equal(r.code, 0, r.stderr);
  const echoed = JSON.parse(r.stdout);
  assert.deepEqual([echoed.method, echoed.url, echoed.body], ['GET', '/hello?x=1', '']);
  assert.equal(echoed.headers.host, `localhost:${server.port}`);
});

test('HTTPS POST with a body and a header', { skip }, async () => {
  const r = await run([...https(server.port, '/items'), '-d', '{"name":"sensor","value":42}', '-H', 'Content-Type: application/json']);
  assert.equal(r.code, 0, r.stderr);
  const echoed = JSON.parse(r.stdout);
  assert.equal(echoed.method, 'POST');
  assert.equal(echoed.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(echoed.body), { name: 'sensor', value: 42 });
});

test('a chunked response is decoded', { skip }, async () => {
  const r = await run(https(server.port, '/chunked'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join(''));
});

test('50 sequential requests on one connection leave memory unchanged', { skip }, async () => {
  const before = server.connections;
  const urls = Array.from({ length: 50 }, (_, i) => `https://localhost:${server.port}/n/${i}`);
  const r = await run([...urls, '--ca', caFile, '--resolve', `localhost:${server.port}:127.0.0.1`, '--stats']);
  assert.equal(r.code, 0, r.stderr);
  const bodies = r.stdout.split(/(?<=\})(?=\{)/).map((b) => JSON.parse(b).url);
  assert.deepEqual(bodies, urls.map((u) => new URL(u).pathname));
  assert.equal(server.connections - before, 1, 'keep-alive: one TCP connection for all 50');
  // Every figure (linear memory, core arena, WAMR's pool use and high mark) is
  // the same after request 50 as after request 1; the C stack's high-water
  // mark is left out, as in https.test.mjs.
  const stats = r.stderr.split('\n').filter((l) => l.startsWith('stats ')).map((l) => l.replace(/request=\d+ | stack_peak=\d+/g, ''));
  assert.equal(stats.length, 50);
  assert.deepEqual(new Set(stats).size, 1, stats[0]);
  assert.match(stats[0], /status=200 linear_memory=\d+ /);
});

test('expired server certificate -> CERT_EXPIRED', { skip }, async () => {
  const r = await against(pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 }));
  assert.equal(r.code, 1);
  assert.equal(r.errorCode, 'CERT_EXPIRED');
  assert.match(r.stderr, /expired/);
  assert.equal(r.stdout, '');
});

test('certificate for another name -> CERT_HOSTNAME_MISMATCH', { skip }, async () => {
  const r = await against(pki.issueLeaf({ cn: 'other.example', dns: ['other.example'] }));
  assert.equal(r.code, 1);
  assert.equal(r.errorCode, 'CERT_HOSTNAME_MISMATCH');
});

test('self-signed certificate -> CERT_UNTRUSTED (with --ca, and with the system bundle); trusted as its own --ca', { skip }, async () => {
  const self = pki.selfSigned({ dns: ['localhost'] });
  const selfCa = join(dir, 'self.pem');
  writeFileSync(selfCa, self.certPem);
  const s = await startHttpsServer({ key: self.keyPem, cert: self.certPem });
  try {
    assert.equal((await run(https(s.port, '/'))).errorCode, 'CERT_UNTRUSTED');
    const system = await run([`https://localhost:${s.port}/`, '--resolve', `localhost:${s.port}:127.0.0.1`]);
    assert.equal(system.errorCode, 'CERT_UNTRUSTED', system.stderr);
    const trusted = await run(https(s.port, '/', selfCa));
    assert.equal(trusted.code, 0, trusted.stderr);
  } finally {
    await s.close();
  }
});

test('http:// GET uses the same HTTP layer without TLS', { skip }, async () => {
  const s = await startHttpServer({});
  try {
    const r = await run([`http://127.0.0.1:${s.port}/plain?q=1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).url, '/plain?q=1');
  } finally {
    await s.close();
  }
});

test('a closed port -> CONNECT', { skip }, async () => {
  const s = await startHttpServer({});
  const { port } = s;
  await s.close();
  const r = await run([`http://127.0.0.1:${port}/`]);
  assert.equal(r.code, 1);
  assert.equal(r.errorCode, 'CONNECT');
});

test('a malformed response -> HTTP_PARSE with its detail; a silent server -> TIMEOUT', { skip }, async () => {
  const broken = await startRawServer({ onConnection: (socket) => socket.once('data', () => socket.end('HTTP/1.1 2OO OK\r\n\r\n')) });
  const silent = await startRawServer({ onConnection: () => {} });
  try {
    const parse = await run([`http://127.0.0.1:${broken.port}/`]);
    assert.equal(parse.errorCode, 'HTTP_PARSE');
    assert.match(parse.stderr, /BAD_STATUS_CODE/);
    const timeout = await run([`http://127.0.0.1:${silent.port}/`, '--timeout', '200']);
    assert.equal(timeout.errorCode, 'TIMEOUT');
  } finally {
    await broken.close();
    await silent.close();
  }
});

test('the portable profile and registered WASI natives (no libc-wasi needed) serve the same GET', { skip }, async () => {
  const portable = join(root, 'build/microhttps-portable.wasm');
  const r = await run([...https(server.port, '/portable'), '--wasi-natives'], { MICROHTTPS_WASM: portable });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).url, '/portable');
  const expired = await against(pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 }),
    (port) => [...https(port, '/'), '--wasm', portable, '--wasi-natives']);
  assert.equal(expired.errorCode, 'CERT_EXPIRED');
});

test('the small profile (one 64 KiB page of linear memory) serves the same GET and POST', { skip }, async () => {
  const small = join(root, 'build/microhttps-small.wasm');
  const r = await run([...https(server.port, '/small'), '--wasm', small, '--stats']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).url, '/small');
  const [, linearMemory] = r.stderr.match(/linear_memory=(\d+)/);
  assert.ok(Number(linearMemory) <= 65536, `linear memory ${linearMemory}`);
  const post = await run([...https(server.port, '/small-post'), '--wasm', small, '-d', 'x'.repeat(5000)]);
  assert.equal(post.code, 0, post.stderr);
  assert.equal(JSON.parse(post.stdout).body.length, 5000);
});

test('--session FILE: the second run resumes the saved session; --max-fragment 1024 negotiates 1 KiB records', { skip }, async () => {
  // Node's https server resumes by session id once it has a session store
  const store = new Map();
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  const sessionFile = join(dir, 'session.bin');
  const stat = (r, name) => Number(r.stderr.match(new RegExp(`${name}=(\\d+)`))[1]);
  try {
    const args = [...https(s.port, '/'), '--session', sessionFile, '--max-fragment', '1024', '--stats'];
    const first = await run(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(stat(first, 'resumed'), 0);
    assert.equal(stat(first, 'max_fragment'), 1024);
    assert.equal(stat(first, 'io_buffer'), 1024 + 325);
    assert.equal(statSync(sessionFile).mode & 0o777, 0o600, 'the session file is the owner\'s alone');
    const second = await run(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(stat(second, 'resumed'), 1, 'resumed from the saved session');
    assert.equal(stat(second, 'max_fragment'), 1024);
    // a session made without MFL: OpenSSL resumes it without the extension, so
    // the host connects again for a full handshake that negotiates it
    rmSync(sessionFile);
    const plain = await run([...https(s.port, '/'), '--session', sessionFile]);
    assert.equal(plain.code, 0, plain.stderr);
    const connections = s.connections;
    const upgraded = await run(args);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    assert.equal(stat(upgraded, 'resumed'), 0);
    assert.equal(stat(upgraded, 'max_fragment'), 1024);
    assert.equal(s.connections - connections, 2, 'the resumed connection without MFL was replaced');
    // a session file that is not one of ours is refused as CONFIG, before any byte is sent
    writeFileSync(sessionFile, 'not a session');
    const bad = await run(args);
    assert.equal(bad.errorCode, 'CONFIG');
  } finally {
    await s.close();
  }
});

test('usage errors exit 2 and bad --ca files are CONFIG', { skip }, async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['ftp://example/'])).errorCode, 'REQUEST_INVALID');
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n');
  const r = await run(https(server.port, '/', notPem));
  assert.equal(r.code, 1);
  assert.equal(r.errorCode, 'CONFIG');
  assert.match(r.stderr, /not valid PEM base64/);
});
