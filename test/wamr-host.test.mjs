// The C host on WAMR (host/wamr): builds microhttps-wamr with -Wall -Wextra
// -Wpedantic -Werror against the WAMR runtime named by WAMR_DIR and WAMR_LIB,
// then runs it against real servers on 127.0.0.1 through the cases of
// https.test.mjs. With WAMRC (WAMR's AOT compiler) every core runs as an .aot
// compiled here into a temporary folder, else as .wasm on the interpreter.
// WAMR_CC compiles the host (e.g. "gcc -m32" for a 32-bit runtime, with
// WAMRC_TARGET=i386). WAMR is not part of this repository nor of CI: without
// WAMR_DIR and WAMR_LIB the whole file is skipped, naming what is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startHttpsServer, startHttpServer, startRawServer, echoHandler } from './helpers/servers.mjs';
import { localPki } from './helpers/core-client.mjs';
import { Session } from '../dist/generated/spec.js';
import { startOpensslServer } from './helpers/openssl-server.mjs';

const { WAMR_DIR, WAMR_LIB, WAMRC, WAMRC_TARGET, WAMR_CC } = process.env;
const missing = ['WAMR_DIR', 'WAMR_LIB'].filter((name) => !process.env[name]);
const skip = missing.length === 0 ? false
  : `${missing.join(' and ')} not set: no WAMR runtime to build the C host against (see docs/wamr.md)`;
const root = new URL('..', import.meta.url).pathname;
const RUN_TIMEOUT_MS = 30000;
const exec = promisify(execFile);
const mode = WAMRC ? 'aot' : 'wasm';

/** The cores as this run executes them: build/*.wasm, or their .aot compiled with WAMRC. */
const wasmOf = { full: 'microhttps.wasm', portable: 'microhttps-portable.wasm', small: 'microhttps-small.wasm' };
const cores = {};

/** wamrc for one core: SIMD only for the full core (wamrc enables it for x86-64 unless told not to). */
async function compileAot(name) {
  const out = join(dir, `${name}.aot`);
  const args = [...(WAMRC_TARGET ? [`--target=${WAMRC_TARGET}`] : []), ...(name === 'full' ? [] : ['--disable-simd']), '-o', out, join(root, 'build', wasmOf[name])];
  try {
    await exec(WAMRC, args);
  } catch (err) {
    // wamrc has SIMD for x86-64 and aarch64 only: the full core does not compile for i386
    if (name === 'full' && /SIMD/.test(err.stdout + err.stderr)) return { refused: err.stdout + err.stderr };
    throw err;
  }
  return out;
}

let dir, cli, pki, leaf, server, caFile;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'microhttps-wamr-'));
  for (const name of Object.keys(wasmOf)) cores[name] = WAMRC ? await compileAot(name) : join(root, 'build', wasmOf[name]);
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
    const child = spawn(cli, args, { env: { ...process.env, MICROHTTPS_WASM: cores.portable, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** A TLS 1.2 server that resumes sessions (Node's resumes by session id once it has a session store). */
async function resumingServer() {
  const store = new Map();
  const s = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  return s;
}

/** A server with the given certificate; the CLI's result against it. */
async function against(cert, args = (port) => https(port, '/')) {
  const s = await startHttpsServer({ key: cert.keyPem, cert: cert.chainPem ?? cert.certPem });
  try {
    return await run(args(s.port));
  } finally {
    await s.close();
  }
}

const makeArgs = () => [`WAMR_DIR=${WAMR_DIR}`, `WAMR_LIB=${WAMR_LIB}`, ...(WAMR_CC ? [`CC=${WAMR_CC}`] : [])];

test('the C host compiles with -Wall -Wextra -Wpedantic -Werror against WAMR', { skip }, async () => {
  await exec('make', ['-C', join(root, 'host/wamr'), `OUT=${dir}`, ...makeArgs()]);
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

test(`the portable profile (${mode}) and registered WASI natives (no libc-wasi needed) serve the same GET`, { skip }, async () => {
  const portable = cores.portable;
  const r = await run([...https(server.port, '/portable'), '--wasi-natives'], { MICROHTTPS_WASM: portable });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).url, '/portable');
  const expired = await against(pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 }),
    (port) => [...https(port, '/'), '--wasm', portable, '--wasi-natives']);
  assert.equal(expired.errorCode, 'CERT_EXPIRED');
});

test(`the small profile (${mode}, one 64 KiB page of linear memory) serves the same GET and POST`, { skip }, async () => {
  const small = cores.small;
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
  const s = await resumingServer();
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

test('--session FILE with --tlsv1.3: the ticket saved after the response resumes the next runs', { skip }, async () => {
  const s = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { minVersion: 'TLSv1.3' },
    handler(req, res) { res.end(JSON.stringify({ reused: req.socket.isSessionReused() })); },
  });
  const sessionFile = join(dir, 'session13.bin');
  const stat = (r, name) => Number(r.stderr.match(new RegExp(`${name}=(\\d+)`))[1]);
  try {
    const args = [...https(s.port, '/'), '--session', sessionFile, '--tlsv1.3', '--stats'];
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(args);
      assert.equal(r.code, 0, r.stderr);
      seen.push([stat(r, 'resumed'), JSON.parse(r.stdout).reused]);
      if (i === 0) {
        assert.equal(readFileSync(sessionFile)[0], Session.FORMAT_TLS13, 'a ticket session was saved');
        assert.equal(statSync(sessionFile).mode & 0o777, 0o600);
      }
    }
    assert.deepEqual(seen, [[0, false], [1, true], [1, true]]);
  } finally {
    await s.close();
  }
});

test('--tlsv1.3 against openssl s_server -groups P-256 -stateless: a HelloRetryRequest with a cookie, then a P-256 share and the status page', { skip }, async () => {
  const server = await startOpensslServer({ leaf, args: ['-tls1_3', '-groups', 'P-256', '-stateless'] });
  try {
    const r = await run([...https(server.port, '/'), '--tlsv1.3']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /TLSv1\.3/, 's_server\'s status page names the version it spoke');
    const hellos = server.messages().filter((m) => !m.sent && m.message === 'ClientHello').length;
    assert.equal(hellos, 2, 'a second ClientHello answered the HelloRetryRequest');
  } finally {
    await server.stop();
  }
});

test('--session FILE holding a TLS 1.2 session, --tls-max 1.3, a server that now speaks TLS 1.3: its downgrade sentinel leads to TLS 1.3, the file then holds a ticket', { skip }, async () => {
  const old = await resumingServer();
  const sessionFile = join(dir, 'session-upgrade.bin');
  const suite = (r) => r.stderr.match(/suite=(0x[0-9a-f]{4})/)?.[1];
  const stat = (r, name) => Number(r.stderr.match(new RegExp(`${name}=(\\d+)`))[1]);
  try {
    const twelve = await run([...https(old.port, '/'), '--session', sessionFile]);
    assert.equal(twelve.code, 0, twelve.stderr);
    assert.equal(readFileSync(sessionFile)[0], Session.FORMAT);
  } finally {
    await old.close();
  }
  const args = [...https(server.port, '/'), '--session', sessionFile, '--tls-max', '1.3', '--stats'];
  const upgraded = await run(args);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.match(suite(upgraded), /^0x130[123]$/, 'TLS 1.3, not a TLS 1.2 held by the old session');
  assert.equal(readFileSync(sessionFile)[0], Session.FORMAT_TLS13);
  const resumed = await run(args);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(stat(resumed, 'resumed'), 1);
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

test('--help prints the usage on stdout and exits 0', { skip }, async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^usage: microhttps-wamr URL\.\.\./);
  assert.match(r.stdout, /--ciphers LIST/);
  assert.equal(r.stderr, '');
});

test('a core that does not load is CONFIG naming the file given with --wasm', { skip }, async () => {
  const junk = join(dir, 'not-a-core.wasm');
  writeFileSync(junk, 'not wasm at all');
  const r = await run([...https(server.port, '/'), '--wasm', junk]);
  assert.equal(r.errorCode, 'CONFIG');
  assert.match(r.stderr, new RegExp(`loading ${junk.replace(/[.]/g, '\\.')}: `));
});

test(`the full (SIMD) core (${mode}): runs on a runtime with SIMD, else CONFIG saying SIMD is missing`, { skip }, async () => {
  if (cores.full.refused) return assert.match(cores.full.refused, /SIMD type was found/); // a target without wasm SIMD
  const r = await run([...https(server.port, '/simd'), '--wasm', cores.full]);
  if (r.code === 0) {
    assert.equal(JSON.parse(r.stdout).url, '/simd');
  } else {
    assert.equal(r.errorCode, 'CONFIG', r.stderr);
    assert.match(r.stderr, new RegExp(`loading ${cores.full.replace(/[.]/g, '\\.')}: `));
    if (WAMRC) assert.match(r.stderr, /SIMD is not enabled in this build; this \.aot needs a runtime built with WAMR_BUILD_SIMD=1 \(or wamrc --disable-simd for portable\/small\)$/m);
  }
});

test('a WAMR stack too small for the handshake is CONFIG with the size to try', { skip }, async () => {
  const r = await run([...https(server.port, '/'), '--wasm-stack', '1024']);
  // AOT code runs on the native stack: it may not need the WAMR stack at all
  if (WAMRC && r.code === 0) return;
  assert.equal(r.errorCode, 'CONFIG', r.stderr);
  assert.match(r.stderr, /WAMR stack of 1024 bytes|1024-byte stack/);
  assert.match(r.stderr, /try wasm_stack_bytes \(--wasm-stack\) 16384/);
});

test('--stats reports the suite and the native stack high-water mark', { skip }, async () => {
  const r = await run([...https(server.port, '/'), '--stats']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /suite=0x[0-9a-f]{4} /);
  const [, peak] = r.stderr.match(/^native_stack_peak=(\d+)$/m);
  assert.ok(Number(peak) > 1000, `native stack peak ${peak}`);
});

test('--ciphers against a server that prefers AES-GCM: ChaCha20 when asked; an AES-only server refuses it with TLS_HANDSHAKE naming the suites', { skip }, async () => {
  const aesFirst = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305';
  const serve = (ciphers) => startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { ciphers, honorCipherOrder: true, maxVersion: 'TLSv1.2' } });
  const preferring = await serve(aesFirst);
  const aesOnly = await serve('ECDHE-ECDSA-AES128-GCM-SHA256');
  const suite = (r) => r.stderr.match(/suite=(0x[0-9a-f]{4})/)?.[1];
  try {
    assert.equal(suite(await run([...https(preferring.port, '/'), '--stats'])), '0xc02b', 'the server picks AES-128-GCM');
    const chacha = await run([...https(preferring.port, '/'), '--stats', '--ciphers', 'CHACHA20_POLY1305']);
    assert.equal(suite(chacha), '0xcca9', chacha.stderr);
    const small = await run([...https(preferring.port, '/'), '--stats', '--ciphers', 'CHACHA20_POLY1305', '--wasm', cores.small]);
    assert.equal(suite(small), '0xcca9', small.stderr);
    const refused = await run([...https(aesOnly.port, '/'), '--ciphers', 'CHACHA20_POLY1305']);
    assert.equal(refused.errorCode, 'TLS_HANDSHAKE');
    assert.match(refused.stderr, /suites offered: CHACHA20_POLY1305$/m);
    const bad = await run([...https(preferring.port, '/'), '--ciphers', 'RC4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ciphers takes CHACHA20_POLY1305, AES_128_GCM and AES_256_GCM/);
    // the small core has no AES-256: the core refuses the mask before connecting
    const noAes256 = await run([...https(preferring.port, '/'), '--ciphers', 'AES_256_GCM', '--wasm', cores.small]);
    assert.equal(noAes256.errorCode, 'CONFIG');
  } finally {
    await preferring.close();
    await aesOnly.close();
  }
});

test('--tls-max 1.3 tries TLS 1.3, then TLS 1.2 with a TLS-1.2-only server; --tlsv1.3 refuses that server', { skip }, async () => {
  const tls13 = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { minVersion: 'TLSv1.3' } });
  const tls12 = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' } });
  const suite = (r) => r.stderr.match(/suite=(0x[0-9a-f]{4})/)?.[1];
  try {
    const thirteen = await run([...https(tls13.port, '/'), '--stats', '--tls-max', '1.3']);
    assert.equal(thirteen.code, 0, thirteen.stderr);
    assert.match(suite(thirteen), /^0x130[123]$/, 'a TLS 1.3 suite');
    // the small core is built without TLS 1.3 (MH_NO_TLS13, docs/memory.md)
    const small = await run([...https(tls13.port, '/'), '--stats', '--tlsv1.3', '--wasm', cores.small]);
    assert.equal(small.errorCode, 'CONFIG', small.stderr);
    const before = tls12.connections;
    const fallback = await run([...https(tls12.port, '/'), '--stats', '--tls-max', '1.3']);
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.doesNotMatch(suite(fallback), /^0x13/, 'a TLS 1.2 suite');
    assert.equal(tls12.connections - before, 2, 'one TLS 1.3 attempt, one TLS 1.2 connection');
    const refused = await run([...https(tls12.port, '/'), '--tlsv1.3']);
    assert.equal(refused.errorCode, 'TLS_HANDSHAKE');
    assert.match(refused.stderr, /the server does not speak TLS 1\.3/);
    const bad = await run([...https(tls12.port, '/'), '--tls-max', '1.4']);
    assert.equal(bad.code, 2);
    const inverted = await run([...https(tls12.port, '/'), '--tlsv1.3', '--tls-max', '1.2']);
    assert.equal(inverted.errorCode, 'CONFIG');
  } finally {
    await tls13.close();
    await tls12.close();
  }
});

test('examples/firmware builds with -Wall -Wextra -Wpedantic -Werror under gcc and clang, and its second GET resumes the session', { skip }, async () => {
  const s = await resumingServer();
  const config = join(dir, 'firmware-config');
  const pemLines = pki.root.certPem.trim().split('\n').map((l) => `    "${l}\\n"`).join(' \\\n');
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'firmware_config.h'), [
    '#define FIRMWARE_HOST "localhost"', `#define FIRMWARE_PORT ${s.port}`, '#define FIRMWARE_ADDRESS "127.0.0.1"',
    '#define FIRMWARE_PATH "/firmware"', `#define FIRMWARE_ROOT_CA_PEM \\\n${pemLines}`, '#define FIRMWARE_POOL_BYTES (1024u * 1024u)',
    '#define FIRMWARE_MAX_FRAGMENT 1024u', '#define FIRMWARE_SUITES 0u', '',
  ].join('\n'));
  const m32 = WAMR_CC?.includes('-m32') ? ' -m32' : '';
  try {
    for (const cc of ['gcc', 'clang']) {
      const out = join(dir, `firmware-${cc}`);
      await exec('make', ['-C', join(root, 'examples/firmware'), `OUT=${out}`, `CC=${cc}${m32}`, `CONFIG_DIR=${config}`, `CORE=${cores.small}`,
        `WAMR_DIR=${WAMR_DIR}`, `WAMR_LIB=${WAMR_LIB}`]);
      const r = await new Promise((resolve) => execFile(join(out, 'firmware'), { timeout: RUN_TIMEOUT_MS }, (err, stdout, stderr) => resolve({ code: err?.code ?? 0, stdout, stderr })));
      assert.equal(r.code, 0, `${cc}: ${r.stderr}`);
      assert.deepEqual(r.stdout.split(/(?<=\})(?=\{)/).map((b) => JSON.parse(b).url), ['/firmware', '/firmware']);
      assert.match(r.stderr, /^status 200, \d+ body bytes, resumed 0, max_fragment 1024\nstatus 200, \d+ body bytes, resumed 1, max_fragment 1024\n$/);
    }
  } finally {
    await s.close();
  }
});
