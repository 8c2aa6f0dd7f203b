// Every option of request(), Session, fetch and the CLI, given a value of the
// wrong type and one out of range: a CONFIG error naming the option (a usage
// error naming the flag, exit 2, for the CLI), and the server saw nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, Session, fetch, MicroHttpsError } from '../dist/index.js';
import { requestRules, sessionRules, fetchRules } from '../dist/options.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';
import { runNode } from './helpers/child.mjs';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** Bad values per option: the first of a wrong type, the others out of range or malformed. */
const BAD = {
  method: [42, ''],
  headers: ['X-A: 1', { 'X-A': null }, [['X-A']]],
  params: [7, { q: {} }],
  data: [42, { a: {} }],
  json: [10n, () => 1],
  body: [42, {}],
  auth: ['user:pass', ['user']],
  timeout: ['soon', 0, -1, 2 ** 31, { connect: 'x' }, { connnect: 5 }],
  signal: [true, {}],
  redirect: ['yes', -1, 1.5, true],
  stream: ['yes', 1],
  proxy: [8080, true, 'socks5://127.0.0.1:1080'],
  trustEnv: ['yes'],
  decompress: ['yes', 1],
  decodeLimits: [5, { maxBytes: -1 }, { maxRatio: 'x' }, { nope: 1 }],
  ca: [42, []],
  pin: [42, [], 'sha256/short'],
  insecure: ['yes', 1],
  cert: [42],
  key: [{}],
  minVersion: ['1.1', 1.3, 'TLSv1.3'],
  maxVersion: ['1.0', 1.2, ''],
  maxFragment: ['1024', 300, 8192],
  suites: ['AES_128_GCM', [], ['RC4'], [1]],
  session: ['abc', [1, 2]],
  sessionCache: ['no', 0],
  servername: [42, '', 'a b'],
  lookup: ['127.0.0.1'],
  resolve: ['localhost:1:127.0.0.1', ['localhost:99999:127.0.0.1'], { localhost: 'not-an-address' }, [42]],
  limits: [5, { nope: 1 }, { headerCount: 0 }, { headerBytes: 1.5 }],
  clock: [1700000000000],
  core: [1, 'tiny'],
  maxSockets: ['2', 0, 1.5],
  idleTimeout: ['1s', -5],
  rateLimit: [10, { requests: 0, per: 1000 }, { requests: 1, per: 0 }],
  rateLimitClock: [() => 0, { now: () => 0 }],
};
/** fetch's own members take fetch's types. */
const BAD_FETCH = {
  ...BAD,
  method: [42],
  headers: [42, [['bad name', 'x']]],
  body: [42, {}],
  redirect: ['follow-all', 5],
  signal: ['x'],
  session: [{}, 'default'],
};
const IGNORED_BY_FETCH = ['cache', 'credentials', 'integrity', 'keepalive', 'mode', 'priority', 'referrer', 'referrerPolicy', 'window', 'duplex'];

let pki, leaf, server, base;
before(async () => {
  ({ pki, leaf } = localPki());
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler: (req, res) => res.end('ok') });
  base = { ca: pki.root.certPem, lookup: loopback };
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const url = () => `https://localhost:${server.port}/`;

function assertConfig(err, name, value) {
  const what = `${name} = ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? String(value)}`;
  assert.ok(err instanceof MicroHttpsError, `${what}: ${err}`);
  assert.equal(err.code, 'CONFIG', `${what}: ${err.message}`);
  assert.ok(err.message.includes(name), `${what}: the message names the option: ${err.message}`);
}

test('every option has bad values to try', () => {
  for (const rules of [requestRules, sessionRules]) for (const name of Object.keys(rules)) assert.ok(BAD[name]?.length, name);
  for (const name of Object.keys(fetchRules)) assert.ok(IGNORED_BY_FETCH.includes(name) || BAD_FETCH[name]?.length, name);
});

test('request(): every bad option is CONFIG naming it, and nothing reaches the server', async () => {
  for (const name of Object.keys(requestRules)) {
    for (const value of BAD[name]) assertConfig(await rejection(() => request(url(), { ...base, [name]: value })), name, value);
  }
  assertConfig(await rejection(() => request(url(), { ...base, timout: 5 })), 'timout', 5);
  assertConfig(await rejection(() => request(url(), 'GET')), 'options', 'GET');
  assert.equal(server.connections, 0);
});

test('new Session(): every bad option is CONFIG naming it; so is an option that belongs to one request', () => {
  for (const name of Object.keys(sessionRules)) {
    for (const value of BAD[name]) assertConfig(rejectionSync(() => new Session({ [name]: value })), name, value);
  }
  assertConfig(rejectionSync(() => new Session({ json: { a: 1 } })), 'json', { a: 1 });
  assert.equal(server.connections, 0);
});

test('fetch(): every bad init member is CONFIG naming it; browser-only members are ignored', async () => {
  for (const name of Object.keys(fetchRules)) {
    for (const value of BAD_FETCH[name] ?? []) assertConfig(await rejection(() => fetch(url(), { ...base, [name]: value })), name, value);
  }
  assert.equal(server.connections, 0);
  const res = await fetch(url(), { ...base, mode: 'cors', credentials: 'include', cache: 'no-store' });
  assert.equal(await res.text(), 'ok');
});

test('resolve takes { "host:port": address } and { host: address } as well as curl strings', async () => {
  for (const resolve of [{ [`localhost:${server.port}`]: '127.0.0.1' }, { localhost: '127.0.0.1' }, [`localhost:${server.port}:127.0.0.1`]]) {
    const res = await request(`https://localhost:${server.port}/`, { ca: pki.root.certPem, resolve });
    assert.equal(await res.text(), 'ok', JSON.stringify(resolve));
  }
});

test('CLI: a bad flag value exits 2 with a usage message naming the flag, and nothing is sent', async () => {
  const before = server.connections;
  const attempts = [
    ['--timeout', 'soon'], ['--timeout', '0'], ['--max-fragment', '300'], ['--max-fragment', 'big'], ['--core', 'tiny'],
    ['--pin', 'sha256/short'], ['--resolve', 'localhost:1'], ['--resolve', `localhost:70000:127.0.0.1`], ['--proxy', 'socks5://127.0.0.1:1080'],
  ];
  for (const [flag, value] of attempts) {
    const { code, stdout, stderr } = await runNode(cliPath, [url(), flag, value]);
    assert.equal(code, 2, `${flag} ${value}: ${stderr}`);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`^microhttps: ${flag}: .+\\nTry 'microhttps --help'\\.\\n$`), `${flag} ${value}`);
  }
  assert.equal(server.connections, before);
});

function rejectionSync(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}
