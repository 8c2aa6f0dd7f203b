// Proxies: CONNECT tunnels for https://, absolute-form for http://, Basic
// proxy auth, and HTTPS_PROXY / HTTP_PROXY / NO_PROXY when trustEnv is on.
// The proxy is a real one (test/helpers/proxy.mjs) on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Session, MicroHttpsError } from '../dist/index.js';
import { startHttpsServer, startHttpServer } from './helpers/servers.mjs';
import { makePki } from '../devkit/pki.mjs';
import { rejection } from './helpers/core-client.mjs';
import { startProxy } from './helpers/proxy.mjs';

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
let pki, https, plain, open, authed;
let seen = []; // requests the origin servers received (reset by fresh())

function handler(req, res) {
  seen.push({ url: req.url, host: req.headers.host, proxyAuthorization: req.headers['proxy-authorization'] });
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello ${req.url}`);
}

before(async () => {
  pki = makePki();
  const leaf = pki.issueLeaf({ dns: ['localhost', 'api.example.test'] });
  https = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
  plain = await startHttpServer({ handler });
  open = await startProxy({ names: ['api.example.test'] });
  authed = await startProxy({ auth: 'user:p@ss word' });
});
after(async () => {
  await Promise.all([https.close(), plain.close(), open.close(), authed.close()]);
  pki.cleanup();
});

/** Runs fn with a fresh Session (no pooled connection carries over between tests) and the proxy variables cleared. */
async function fresh(fn) {
  seen = [];
  const saved = Object.fromEntries(PROXY_VARS.map((n) => [n, process.env[n]]));
  for (const n of PROXY_VARS) delete process.env[n];
  const session = new Session({ ca: pki.root.certPem, timeout: 5000 });
  const counts = (p) => ({ ...p.stats, requests: p.stats.requests.length });
  const start = { open: counts(open), authed: counts(authed) };
  const used = (p, which) => {
    const now = counts(p);
    return { connects: now.connects - start[which].connects, forwards: now.forwards - start[which].forwards, refused: now.refused - start[which].refused };
  };
  try {
    await fn(session, { open: () => used(open, 'open'), authed: () => used(authed, 'authed') });
  } finally {
    await session.close();
    for (const n of PROXY_VARS) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

const secure = (p, host = 'localhost') => `https://${host}:${https.port}${p}`;
const insecure = (p) => `http://127.0.0.1:${plain.port}${p}`;
const withAuth = (proxy, auth) => proxy.url.replace('http://', `http://${auth}@`);

test('https:// goes through a CONNECT tunnel; the certificate is checked for the target', async () => {
  await fresh(async (session, used) => {
    const res = await session.get(secure('/tunnelled'), { proxy: open.url });
    assert.equal(await res.text(), 'hello /tunnelled');
    assert.equal(res.tls.version, 'TLSv1.3');
    assert.deepEqual(used.open(), { connects: 1, forwards: 0, refused: 0 });
    assert.equal(open.stats.requests.at(-1).target, `localhost:${https.port}`);
    assert.equal(seen[0].host, `localhost:${https.port}`);
  });
});

test('through a tunnel, a certificate that does not name the target still fails (CERT_HOSTNAME_MISMATCH)', async () => {
  await fresh(async (session, used) => {
    const err = await rejection(() => session.get(secure('/', '127.0.0.1'), { proxy: open.url }));
    assert.ok(err instanceof MicroHttpsError);
    assert.equal(err.code, 'CERT_HOSTNAME_MISMATCH');
    assert.equal(used.open().connects, 1); // the proxy did its part
  });
});

test('http:// is sent to the proxy in absolute form', async () => {
  await fresh(async (session, used) => {
    const res = await session.get(insecure('/plain?x=1'), { proxy: open.url });
    assert.equal(await res.text(), 'hello /plain?x=1');
    assert.deepEqual(used.open(), { connects: 0, forwards: 1, refused: 0 });
    assert.equal(open.stats.requests.at(-1).target, insecure('/plain?x=1'));
    assert.equal(seen[0].host, `127.0.0.1:${plain.port}`);
  });
});

test('Basic proxy auth from the proxy URL: CONNECT and absolute-form both authenticate', async () => {
  await fresh(async (session, used) => {
    const proxy = withAuth(authed, 'user:p%40ss%20word');
    assert.equal(await (await session.get(secure('/auth'), { proxy })).text(), 'hello /auth');
    assert.equal(await (await session.get(insecure('/auth'), { proxy })).text(), 'hello /auth');
    assert.deepEqual(used.authed(), { connects: 1, forwards: 1, refused: 0 });
    const expected = `Basic ${Buffer.from('user:p@ss word').toString('base64')}`;
    assert.deepEqual(authed.stats.requests.slice(-2).map((r) => r.authorization), [expected, expected]);
    assert.ok(seen.every((r) => r.proxyAuthorization === undefined)); // never passed on to the origin
  });
});

test('wrong proxy credentials: 407 on CONNECT is a CONNECT error; on http:// the 407 response is returned', async () => {
  await fresh(async (session, used) => {
    const proxy = withAuth(authed, 'user:wrong');
    const err = await rejection(() => session.get(secure('/'), { proxy }));
    assert.equal(err.code, 'CONNECT');
    assert.match(err.message, /407 Proxy Authentication Required/);
    const res = await session.get(insecure('/'), { proxy });
    assert.equal(res.status, 407);
    assert.equal(res.headers.get('proxy-authenticate'), 'Basic realm="test proxy"');
    const missing = await rejection(() => session.get(secure('/'), { proxy: authed.url }));
    assert.equal(missing.code, 'CONNECT');
    assert.deepEqual(used.authed(), { connects: 0, forwards: 0, refused: 3 });
    assert.equal(seen.length, 0);
  });
});

test('a proxy that refuses the target: CONNECT error naming its answer', async () => {
  await fresh(async (session) => {
    const err = await rejection(() => session.get('https://example.com/', { proxy: open.url }));
    assert.equal(err.code, 'CONNECT');
    assert.match(err.message, /refused CONNECT example\.com:443: HTTP\/1\.1 403 Forbidden/);
  });
});

test('trustEnv: HTTPS_PROXY and HTTP_PROXY (or their lower-case forms) are used', async () => {
  await fresh(async (session, used) => {
    process.env.HTTPS_PROXY = open.url;
    process.env.http_proxy = open.url;
    assert.equal(await (await session.get(secure('/env'), { trustEnv: true })).text(), 'hello /env');
    assert.equal(await (await session.get(insecure('/env'), { trustEnv: true })).text(), 'hello /env');
    assert.deepEqual(used.open(), { connects: 1, forwards: 1, refused: 0 });
  });
});

test('trustEnv as a Session default', async () => {
  await fresh(async (_, used) => {
    process.env.HTTPS_PROXY = open.url;
    const session = new Session({ ca: pki.root.certPem, trustEnv: true });
    try {
      assert.equal(await (await session.get(secure('/session-env'))).text(), 'hello /session-env');
    } finally {
      await session.close();
    }
    assert.equal(used.open().connects, 1);
  });
});

test('without trustEnv the proxy variables are ignored', async () => {
  await fresh(async (session, used) => {
    process.env.HTTPS_PROXY = open.url;
    process.env.HTTP_PROXY = open.url;
    assert.equal(await (await session.get(secure('/direct'))).text(), 'hello /direct');
    assert.equal(await (await session.get(insecure('/direct'))).text(), 'hello /direct');
    assert.deepEqual(used.open(), { connects: 0, forwards: 0, refused: 0 });
    assert.equal(seen.length, 2);
  });
});

test('NO_PROXY bypasses the proxy: a host, a domain suffix, host:port, and *', async () => {
  const resolve = [`api.example.test:${https.port}:127.0.0.1`];
  const viaProxy = async (session, used, url, noProxy) => {
    process.env.NO_PROXY = noProxy;
    const before = used.open().connects + used.open().forwards;
    await (await session.get(url, { trustEnv: true, resolve })).text();
    return used.open().connects + used.open().forwards - before === 1;
  };
  await fresh(async (session, used) => {
    process.env.HTTPS_PROXY = open.url;
    process.env.HTTP_PROXY = open.url;
    // each case on its own connection: pooled connections are kept per proxy
    const cases = [
      [secure('/'), 'localhost', false],
      [secure('/'), 'other.host', true],
      [secure('/', 'api.example.test'), '.example.test', false],
      [secure('/', 'api.example.test'), 'example.test', false],
      [secure('/', 'api.example.test'), '*.example.test', false],
      [secure('/', 'api.example.test'), 'xample.test', true],
      [secure('/'), `localhost:${https.port}`, false],
      [secure('/'), 'localhost:1', true],
      [insecure('/'), '127.0.0.1', false],
      [insecure('/'), 'other.host, 127.0.0.1', false],
      [insecure('/'), '*', false],
    ];
    for (const [url, noProxy, proxied] of cases) {
      await session.close();
      assert.equal(await viaProxy(session, used, url, noProxy), proxied, `${url} with NO_PROXY=${noProxy}`);
    }
  });
});

test('NO_PROXY with IPv6 entries ([::1], ::1, [::1]:port) bypasses for an IPv6 literal URL', async () => {
  await fresh(async (session, used) => {
    process.env.HTTPS_PROXY = open.url;
    const port = https.port;
    for (const noProxy of ['[::1]', '::1', `[::1]:${port}`, '[::1]:1']) {
      process.env.NO_PROXY = noProxy;
      const before = open.stats.requests.length;
      // nothing listens on [::1]: a direct attempt fails to connect, a proxied one reaches the proxy
      await rejection(() => session.get(`https://[::1]:${port}/`, { trustEnv: true }));
      const proxied = open.stats.requests.length - before === 1;
      assert.equal(proxied, noProxy === '[::1]:1', `NO_PROXY=${noProxy}`);
    }
    assert.equal(used.open().connects, 0);
  });
});

test('a proxy setting that is not a URL, or not http://, is a CONFIG error', async () => {
  await fresh(async (session) => {
    for (const proxy of ['http://[bad', 'https://127.0.0.1:1', 'socks5://127.0.0.1:1']) {
      const err = await rejection(() => session.get(insecure('/'), { proxy }));
      assert.equal(err.code, 'CONFIG', `${proxy}: ${err.message}`);
    }
    process.env.HTTP_PROXY = 'http://[bad';
    const err = await rejection(() => session.get(insecure('/'), { trustEnv: true }));
    assert.equal(err.code, 'CONFIG');
    assert.equal(seen.length, 0);
  });
});
