// The `small` build profile (tools/profiles.mjs) against real servers: what
// it keeps (ECDHE-ECDSA/RSA, AES-128-GCM and ChaCha20-Poly1305, P-256 and
// X25519) works, and what it leaves out fails with a clear error, not a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, MicroHttpsError } from '../dist/index.js';
import { Core } from '../dist/core.js';
import { CallDetail, ErrorCodes, limitSpecs } from '../dist/generated/spec.js';
import { PROFILES } from '../tools/profiles.mjs';
import { makePki } from '../devkit/pki.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, rejection } from './helpers/core-client.mjs';

const small = PROFILES.find((p) => p.name === 'small');
const pkis = {};
before(() => {
  for (const key of ['ec-p256', 'rsa-2048', 'ec-p384']) {
    const pki = makePki({ key });
    pkis[key] = { pki, leaf: pki.issueLeaf({ dns: ['localhost'], key }) };
  }
});
after(() => {
  for (const { pki } of Object.values(pkis)) pki.cleanup();
});

async function withServer(key, tlsOptions, fn) {
  const { leaf } = pkis[key];
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, tlsOptions });
  try {
    return await fn(`https://localhost:${server.port}/`, pkis[key].pki.root.certPem);
  } finally {
    await server.close();
  }
}

// the TLS 1.2 suites and curves the small core keeps (it is built without TLS 1.3: MH_NO_TLS13)
const fetchSmall = (url, ca, extra = {}) => get(url, { core: 'small', ca, lookup: loopback, sessionCache: false, timeout: 10_000, maxVersion: '1.2', ...extra });

const kept = [
  ['ec-p256', { ecdhCurve: 'X25519', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' }, 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['ec-p256', { ecdhCurve: 'P-256', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['rsa-2048', { ecdhCurve: 'X25519', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['rsa-2048', { ecdhCurve: 'P-256', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }, 'ECDHE-RSA-CHACHA20-POLY1305'],
];
for (const [key, tlsOptions, cipher] of kept) {
  test(`small core: ${key} server, ${tlsOptions.ecdhCurve}, ${cipher} -> 200 over a validated chain`, async () => {
    await withServer(key, tlsOptions, async (url, ca) => {
      const res = await fetchSmall(url, ca);
      assert.equal(res.status, 200);
      assert.equal(res.tls.cipher, cipher);
      assert.equal(res.memory.HEAP_BASE, res.memory.STACK_SIZE + res.memory.STATIC_DATA + res.memory.ARENA_SIZE);
      assert.ok(res.memory.HEAP_BASE <= 65536, 'one 64 KiB page of linear memory');
    });
  });
}

const leftOut = [
  ['a P-384 certificate chain', 'ec-p384', {}],
  ['an AES-256-GCM-only server', 'ec-p256', { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }],
  ['a P-384-only ECDHE server', 'ec-p256', { ecdhCurve: 'P-384' }],
];
for (const [what, key, tlsOptions] of leftOut) {
  test(`small core: ${what} fails the handshake with TLS_HANDSHAKE naming the small core; the full core connects`, async () => {
    await withServer(key, tlsOptions, async (url, ca) => {
      const err = await rejection(() => fetchSmall(url, ca));
      assert.ok(err instanceof MicroHttpsError);
      assert.equal(err.code, 'TLS_HANDSHAKE');
      assert.match(err.message, /the 'small' core: .*P-256 or X25519/);
      assert.equal((await fetchSmall(url, ca, { core: 'full' })).status, 200);
    });
  });
}

test('small core: a P-256 leaf under a P-384 CA key is refused with CERT_INVALID naming the core; the full core validates it', async () => {
  const { pki } = pkis['ec-p384'];
  const leaf = pki.issueLeaf({ dns: ['localhost'], key: 'ec-p256' });
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem });
  try {
    const url = `https://localhost:${server.port}/`;
    const err = await rejection(() => fetchSmall(url, pki.root.certPem));
    assert.equal(err.code, 'CERT_INVALID');
    assert.match(err.message, /the 'small' core: /);
    assert.equal((await fetchSmall(url, pki.root.certPem, { core: 'full' })).status, 200);
  } finally {
    await server.close();
  }
});

test('small core: TLS 1.2 only: a TLS 1.3 server is reached over TLS 1.2 by default, and minVersion 1.3 is CONFIG before any connection', async () => {
  assert.ok(small.tls.includes('MH_NO_TLS13'));
  await withServer('ec-p256', { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }, async (url, ca) => {
    const res = await get(url, { core: 'small', ca, lookup: loopback, sessionCache: false, timeout: 10_000 });
    assert.equal(res.tls.version, 'TLSv1.2');
    await res.bytes();
    let dialed = 0;
    const counting = async () => { dialed++; return loopback(); };
    const err = await rejection(() => get(url, { core: 'small', ca, lookup: counting, minVersion: '1.3' }));
    assert.equal(err.code, 'CONFIG');
    assert.match(err.message, /the 'small' core is built without TLS 1\.3/);
    assert.equal(dialed, 0);
  });
});

test('small core: client certificates are refused up front with CONFIG, and by the core with DETAIL.NOT_IN_PROFILE', async () => {
  const { leaf } = pkis['ec-p256'];
  const err = await rejection(() => get('https://localhost:9/', { core: 'small', lookup: loopback, cert: leaf.certPem, key: leaf.keyPem }));
  assert.equal(err.code, 'CONFIG');
  assert.match(err.message, /'small' core is built without client certificates/);
  // the core itself, past the host's check
  const core = new Core(Date.now, 'small');
  assert.equal(core.x.mh_init(), 0);
  assert.equal(core.x.mh_client_cert_add(core.putXfer(new Uint8Array([0x30, 0x00]))), ErrorCodes.CONFIG);
  assert.equal(core.x.mh_call_detail(), CallDetail.NOT_IN_PROFILE);
  assert.equal(core.x.mh_client_key_set(core.putXfer(new Uint8Array([0x30, 0x00]))), ErrorCodes.CONFIG);
  assert.equal(core.x.mh_call_detail(), CallDetail.NOT_IN_PROFILE);
});

test('small core: its limits default to the profile\'s, its stack and transfer window are its own, and too large limits are a CONFIG error', async () => {
  const core = new Core(Date.now, 'small');
  for (const spec of limitSpecs) {
    assert.equal(core.x.mh_limit_get(spec.id), small.limits[spec.name] ?? spec.default, spec.name);
  }
  const m = core.memoryReport();
  assert.equal(m.STACK_SIZE, small.stackBytes);
  assert.equal(m.ARENA_SIZE, small.arenaBytes);
  assert.equal(core.x.mh_xfer_cap(), small.xferBytes);
  const err = await rejection(() => get('https://localhost:9/', { core: 'small', lookup: loopback, limits: { headerBytes: 65536 } }));
  assert.equal(err.code, 'CONFIG');
  assert.match(err.message, new RegExp(`${small.arenaBytes}-byte arena of the 'small' core`));
});

test('an unknown core name is a CONFIG error that lists the known ones', async () => {
  const err = await rejection(() => get('https://localhost:9/', { core: 'tiny', lookup: loopback }));
  assert.equal(err.code, 'CONFIG');
  assert.match(err.message, /core must be 'full', 'portable', 'small', not "tiny"/);
});
