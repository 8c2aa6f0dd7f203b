// The CLI (node dist/cli.js) as a child process against local servers:
// output, options, exit statuses and error codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpsServer, startHttpServer, startRawServer } from './helpers/servers.mjs';
import { makePki } from '../devkit/pki.mjs';
import { startProxy } from './helpers/proxy.mjs';
import { runNode } from './helpers/child.mjs';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const BIG = 200 * 1024 + 7;
const bigBody = Buffer.alloc(BIG, 0).map((_, i) => (i * 13) & 0xff);
// the servers run in this process: keep what they saw for the assertions
let last;
let pki, caFile, https, plain, servers = [];

/** Records the request, then answers by path; /echo replies with JSON describing the request. */
async function handler(req, res) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  last = { method: req.method, url: req.url, headers: req.headers, body };
  if (req.url === '/redirect') {
    res.writeHead(302, { location: '/echo?redirected=1', 'content-type': 'text/plain' });
    res.end('moved to /echo');
  } else if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG });
    res.end(bigBody);
  } else if (req.url === '/form') {
    // the platform's multipart parser checks our encoding
    const form = await new Request('http://parser.invalid/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] }, body }).formData();
    const fields = [];
    for (const [name, value] of form) {
      fields.push(typeof value === 'string' ? [name, value] : [name, { filename: value.name, type: value.type, text: await value.text() }]);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(fields));
  } else if (req.url === '/missing') {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such thing');
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' });
    res.end(JSON.stringify({ method: req.method, url: req.url, contentType: req.headers['content-type'] ?? null, body: body.toString('utf8') }));
  }
}

before(async () => {
  pki = makePki();
  const leaf = pki.issueLeaf({ dns: ['localhost', 'api.example.test'] });
  caFile = path.join(pki.dir, 'ca.pem');
  fs.writeFileSync(caFile, pki.root.certPem);
  https = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
  plain = await startHttpServer({ handler });
});
after(async () => {
  await Promise.all([https.close(), plain.close(), ...servers.map((s) => s.close())]);
  pki.cleanup();
});

const cli = (args, options) => runNode(cliPath, args, options);
const secure = (p) => `https://localhost:${https.port}${p}`;
const insecureUrl = (p) => `http://127.0.0.1:${plain.port}${p}`;
async function ok(args, options) {
  const out = await cli(args, options);
  assert.equal(out.code, 0, out.stderr);
  return out;
}
async function failure(args, code) {
  const out = await cli(args);
  assert.equal(out.code, 1, `expected exit 1, got ${out.code}: ${out.stderr}`);
  assert.match(out.stderr, new RegExp(`^microhttps: ${code}: `, 'm'));
  assert.equal(out.stdout, '');
  return out;
}
async function track(start) {
  const s = await start();
  servers.push(s);
  return s;
}

test('GET writes the body to stdout and nothing else', async () => {
  const { stdout, stderr } = await ok([secure('/hello?x=1'), '--ca', caFile]);
  assert.deepEqual(JSON.parse(stdout), { method: 'GET', url: '/hello?x=1', contentType: null, body: '' });
  assert.equal(stderr, '');
});

test('a URL without a scheme means https://; an HTTP error status still exits 0 (like curl)', async () => {
  const { stdout } = await ok([`localhost:${https.port}/missing`, '--ca', caFile]);
  assert.equal(stdout, 'no such thing');
});

test('-i prints the status line and headers before the body', async () => {
  const { stdout } = await ok(['-i', secure('/echo'), '--ca', caFile]);
  const [head, body] = stdout.split('\r\n\r\n');
  const lines = head.split('\r\n');
  assert.equal(lines[0], 'HTTP/1.1 200 OK');
  assert.ok(lines.includes('x-test: yes'));
  assert.equal(JSON.parse(body).url, '/echo');
});

test('-v prints the TLS version, the cipher suite, the certificate chain and timings on stderr', async () => {
  const { stdout, stderr } = await ok(['-v', secure('/echo'), '--ca', caFile]);
  assert.equal(JSON.parse(stdout).url, '/echo');
  assert.match(stderr, /^\* TLS TLSv1\.3, cipher TLS_[A-Z0-9_]+, certificate verified$/m);
  assert.match(stderr, /^\* {3}\[0\] subject: CN=localhost$/m);
  assert.match(stderr, /^\* {7}names: .*DNS:localhost/m);
  assert.match(stderr, /^\* {7}key: sha256\/[A-Za-z0-9+/]{43}=$/m);
  assert.match(stderr, /^\* timings: dns \d+ ms, connect \d+ ms, tls \d+ ms, first byte \d+ ms, total \d+ ms$/m);
  assert.match(stderr, /^\* core memory: \d+ bytes used \(static \d+, stack peak \d+, buffers \d+\) of \d+$/m);
});

test('--core small --max-fragment 1024 runs the small core with 1 KiB records; a bad --core is a usage error naming the flag', async () => {
  const { stdout, stderr } = await ok(['-v', secure('/echo'), '--ca', caFile, '--core', 'small', '--max-fragment', '1024']);
  assert.equal(JSON.parse(stdout).url, '/echo');
  const [, used, heapBase] = stderr.match(/^\* core memory: (\d+) bytes used .* of (\d+)$/m);
  assert.ok(Number(heapBase) <= 65536, `the small core fits one page: ${heapBase}`);
  assert.ok(Number(used) < Number(heapBase));
  const bad = await cli([secure('/echo'), '--ca', caFile, '--core', 'tiny']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^microhttps: --core: core must be 'full', 'portable', 'small', not "tiny"\n/);
});

test('METHOD before the URL; HEAD with -i prints only the head', async () => {
  const put = JSON.parse((await ok(['PUT', secure('/thing'), '--ca', caFile, '-d', 'x=1'])).stdout);
  assert.equal(put.method, 'PUT');
  const { stdout } = await ok(['HEAD', secure('/big'), '--ca', caFile, '-i']);
  assert.match(stdout, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(stdout, new RegExp(`content-length: ${BIG}\r\n`));
  assert.ok(stdout.endsWith('\r\n\r\n'));
});

test('-o FILE saves the body; a non-terminal stderr gets one plain final line', async () => {
  const file = path.join(pki.dir, 'out.bin');
  const { stdout, stderr } = await ok([secure('/big'), '--ca', caFile, '-o', file]);
  assert.equal(stdout, '');
  assert.ok(fs.readFileSync(file).equals(bigBody));
  assert.doesNotMatch(stderr, /[\r\x1b]/); // no carriage returns or terminal escapes
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`100% 200\\.0 KiB at [\\d.]+ [KMG]?i?B/s, ETA 0 s -> ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
});

test('-o on a terminal draws the progress bar in place (stderr.isTTY forced on)', async () => {
  const file = path.join(pki.dir, 'out-tty.bin');
  // a preloaded module makes process.stderr look like a terminal to the CLI
  const fakeTty = path.join(pki.dir, 'fake-tty.mjs');
  fs.writeFileSync(fakeTty, 'process.stderr.isTTY = true;\n');
  const { stderr } = await ok([secure('/big'), '--ca', caFile, '-o', file], { nodeArgs: ['--import', fakeTty] });
  assert.ok(fs.readFileSync(file).equals(bigBody));
  // each redraw starts with \r and clears the rest of the line; only the last one ends the line
  assert.ok(stderr.startsWith('\r'), JSON.stringify(stderr));
  assert.equal(stderr.split('\n').length, 2, JSON.stringify(stderr));
  const final = stderr.slice(stderr.lastIndexOf('\r') + 1);
  assert.match(final, /^\[#{20}\] 100% 200\.0 KiB at .* -> .*out-tty\.bin\x1b\[K\n$/);
});

test('-H adds request headers', async () => {
  await ok([secure('/echo'), '--ca', caFile, '-H', 'X-Sensor: greenhouse-1', '--header', 'Accept: text/plain']);
  assert.equal(last.headers['x-sensor'], 'greenhouse-1');
  assert.equal(last.headers.accept, 'text/plain');
});

test('-d DATA and -d @FILE POST a form body', async () => {
  const a = JSON.parse((await ok([insecureUrl('/echo'), '-d', 'a=1&b=two'])).stdout);
  assert.deepEqual(a, { method: 'POST', url: '/echo', contentType: 'application/x-www-form-urlencoded', body: 'a=1&b=two' });
  const file = path.join(pki.dir, 'data.txt');
  fs.writeFileSync(file, 'from=file&n=2');
  const b = JSON.parse((await ok([insecureUrl('/echo'), '--data', `@${file}`])).stdout);
  assert.deepEqual(b, { method: 'POST', url: '/echo', contentType: 'application/x-www-form-urlencoded', body: 'from=file&n=2' });
  assert.equal(last.headers['content-length'], '13');
  const c = JSON.parse((await ok([insecureUrl('/echo'), '-d', 'a=1', '-d', `@${file}`])).stdout);
  assert.equal(c.body, 'a=1&from=file&n=2'); // repeated -d joined with & (curl)
});

test('--json POSTs JSON with its content type', async () => {
  const a = JSON.parse((await ok([secure('/echo'), '--ca', caFile, '--json', '{"on":true}'])).stdout);
  assert.deepEqual(a, { method: 'POST', url: '/echo', contentType: 'application/json', body: '{"on":true}' });
});

test('-F name=value and name=@file send multipart/form-data the server can parse', async () => {
  const file = path.join(pki.dir, 'reading.csv');
  fs.writeFileSync(file, 'time,temp\r\n1,21.5\r\n');
  const { stdout } = await ok([insecureUrl('/form'), '-F', 'sensor=greenhouse 1', '-F', `upload=@${file}`, '--form', 'note=a "quoted" value']);
  assert.equal(last.method, 'POST');
  assert.match(last.headers['content-type'], /^multipart\/form-data; boundary=/);
  assert.deepEqual(JSON.parse(stdout), [
    ['sensor', 'greenhouse 1'],
    ['upload', { filename: 'reading.csv', type: 'application/octet-stream', text: 'time,temp\r\n1,21.5\r\n' }],
    ['note', 'a "quoted" value'],
  ]);
});

test('-L follows redirects; without it the 3xx itself is the answer', async () => {
  const followed = await ok([secure('/redirect'), '--ca', caFile, '-L']);
  assert.equal(JSON.parse(followed.stdout).url, '/echo?redirected=1');
  const notFollowed = await ok([secure('/redirect'), '--ca', caFile, '-i']);
  assert.match(notFollowed.stdout, /^HTTP\/1\.1 302 Found\r\n/);
  assert.match(notFollowed.stdout, /\r\nlocation: \/echo\?redirected=1\r\n/);
  assert.ok(notFollowed.stdout.endsWith('moved to /echo'));
  assert.equal(last.url, '/redirect');
});

test('--resolve host:port:addr connects a name to an address (the certificate is checked for the name)', async () => {
  const { stdout } = await ok([`https://api.example.test:${https.port}/resolved`, '--ca', caFile, '--resolve', `api.example.test:${https.port}:127.0.0.1`]);
  assert.equal(JSON.parse(stdout).url, '/resolved');
  assert.equal(last.headers.host, `api.example.test:${https.port}`);
});

test('--ca is required for a private CA: without it CERT_UNTRUSTED, exit 1', async () => {
  await failure([secure('/echo')], 'CERT_UNTRUSTED');
});

test('an expired certificate: CERT_EXPIRED, exit 1', async () => {
  const expired = pki.issueLeaf({ dns: ['localhost'], notBeforeDays: -30, notAfterDays: -1 });
  const s = await track(() => startHttpsServer({ key: expired.keyPem, cert: expired.chainPem }));
  await failure([`https://localhost:${s.port}/`, '--ca', caFile], 'CERT_EXPIRED');
});

test('a self-signed certificate: CERT_UNTRUSTED, exit 1', async () => {
  const self = pki.selfSigned({ dns: ['localhost'] });
  const s = await track(() => startHttpsServer({ key: self.keyPem, cert: self.certPem }));
  await failure([`https://localhost:${s.port}/`, '--ca', caFile], 'CERT_UNTRUSTED');
});

test('--timeout: a server that never answers -> TIMEOUT, exit 1', async () => {
  const s = await track(() => startRawServer({ onConnection: () => {} }));
  const { stderr } = await failure([`https://localhost:${s.port}/`, '--ca', caFile, '--timeout', '300'], 'TIMEOUT');
  assert.match(stderr, /tls/);
});

test('--proxy tunnels https:// through CONNECT', async () => {
  const proxy = await track(() => startProxy({ auth: 'cli:secret' }));
  const proxyUrl = `http://cli:secret@127.0.0.1:${proxy.port}`;
  const { stdout } = await ok([secure('/via-proxy'), '--ca', caFile, '--proxy', proxyUrl]);
  assert.equal(JSON.parse(stdout).url, '/via-proxy');
  assert.deepEqual(proxy.stats.requests.map((r) => [r.kind, r.target]), [['connect', `localhost:${https.port}`]]);
});

test('HTTPS_PROXY in the environment is honoured, and NO_PROXY bypasses it', async () => {
  const proxy = await track(() => startProxy());
  const { stdout } = await ok([secure('/env-proxy'), '--ca', caFile], { env: { HTTPS_PROXY: proxy.url } });
  assert.equal(JSON.parse(stdout).url, '/env-proxy');
  assert.equal(proxy.stats.connects, 1);
  await ok([secure('/no-proxy'), '--ca', caFile], { env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost' } });
  assert.equal(last.url, '/no-proxy');
  assert.equal(proxy.stats.requests.length, 1);
});

test('--tls-max 1.2 speaks TLS 1.2, --tlsv1.3 TLS 1.3 only', async () => {
  const twelve = await ok(['-v', '--tls-max', '1.2', secure('/echo'), '--ca', caFile]);
  assert.match(twelve.stderr, /^\* TLS TLSv1\.2, cipher ECDHE-/m);
  const thirteen = await ok(['-v', '--tlsv1.3', secure('/echo'), '--ca', caFile]);
  assert.match(thirteen.stderr, /^\* TLS TLSv1\.3, cipher TLS_/m);
});

test('usage errors exit 2 with a hint', async () => {
  for (const args of [[], ['--bogus', secure('/')], [secure('/'), '--tls-max', '1.4'], [secure('/'), '-H', 'no colon'], [secure('/'), '--timeout', 'soon'], [secure('/'), '-o'], ['a', 'b', 'c'],
    [secure('/'), '-d', '@/nonexistent/data'], [secure('/'), '--ca', '/nonexistent/ca.pem']]) {
    const { code, stdout, stderr } = await cli(args);
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.equal(stdout, '');
    assert.match(stderr, /^microhttps: .+\nTry 'microhttps --help'\.\n$/);
    if (args.some((a) => a.includes('/nonexistent/'))) assert.match(stderr, /cannot read \/nonexistent\/.+: ENOENT/);
  }
});

test('--insecure warns loudly on stderr', async () => {
  const { stdout, stderr } = await ok([insecureUrl('/echo'), '--insecure']);
  assert.equal(JSON.parse(stdout).url, '/echo');
  assert.match(stderr, /WARNING: --insecure: the server certificate is NOT verified/);
});

test('--help documents every option the CLI accepts, and exits 0', async () => {
  const { stdout } = await ok(['--help']);
  const source = fs.readFileSync(cliPath, 'utf8');
  const accepted = [...source.matchAll(/case '(-{1,2}[a-zA-Z][\w-]*)'/g)].map((m) => m[1]);
  assert.ok(accepted.length >= 20, `found ${accepted.length} options in the parser`);
  for (const option of accepted) assert.match(stdout, new RegExp(`(^|[\\s,])${option}[\\s,]`, 'm'), `--help does not mention ${option}`);
  assert.match(stdout, /^Usage: microhttps \[METHOD\] URL \[options\]/);
  assert.match(stdout, /Exit status: 0 on success/);
  // the README's "Command line" section carries the same text
  const readme = fs.readFileSync(path.join(path.dirname(cliPath), '..', 'README.md'), 'utf8');
  assert.ok(readme.includes(stdout.trimEnd()), 'README.md does not hold the current --help text');
});
