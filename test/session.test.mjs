// TLS session resumption against Node's https server, which resumes by
// session id once it has a session store ('newSession' / 'resumeSession'):
// the server itself says whether it resumed (isSessionReused()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, MicroHttpsError } from '../dist/index.js';
import { Session, ErrorCodes } from '../dist/generated/spec.js';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki, rejection } from './helpers/core-client.mjs';

let pki, leaf;
before(() => ({ pki, leaf } = localPki()));
after(() => pki.cleanup());

/** An https server with an in-memory session store; replies whether TLS resumed. */
async function resumingServer(cert = leaf) {
  const store = new Map();
  const s = await startHttpsServer({
    key: cert.keyPem, cert: cert.chainPem, tlsOptions: { maxVersion: 'TLSv1.2' },
    handler(req, res) {
      res.setHeader('connection', 'close');
      res.end(JSON.stringify({ reused: req.socket.isSessionReused() }));
    },
  });
  s.server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  s.server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  return s;
}

// this server resumes TLS 1.2 sessions by id (TLS 1.3 tickets: tls13-resumption.test.mjs)
const opts = (extra) => ({ ca: pki.root.certPem, lookup: loopback, maxVersion: '1.2', ...extra });

async function fetchReused(url, options) {
  const res = await get(url, options);
  const { reused } = await res.json();
  return { reused, tls: res.tls };
}

test('the second connection to an origin resumes its session; the server agrees', async () => {
  const s = await resumingServer();
  try {
    const first = await fetchReused(`https://localhost:${s.port}/`, opts());
    assert.equal(first.tls.resumed, false);
    assert.equal(first.reused, false);
    assert.equal(first.tls.session.length, Session.BYTES);
    assert.equal(first.tls.session[0], Session.FORMAT);
    const second = await fetchReused(`https://localhost:${s.port}/`, opts());
    assert.equal(second.reused, true);
    assert.equal(second.tls.resumed, true);
    assert.deepEqual(second.tls.session, first.tls.session, 'a resumed connection keeps the same session');
  } finally {
    await s.close();
  }
});

test('an exported session imported into a new connection resumes (no cache)', async () => {
  const s = await resumingServer();
  try {
    const url = `https://localhost:${s.port}/`;
    const first = await fetchReused(url, opts({ sessionCache: false }));
    const again = await fetchReused(url, opts({ sessionCache: false }));
    assert.equal(again.tls.resumed, false, 'without the cache nothing is offered');
    const resumed = await fetchReused(url, opts({ sessionCache: false, session: first.tls.session }));
    assert.equal(resumed.reused, true);
    assert.equal(resumed.tls.resumed, true);
  } finally {
    await s.close();
  }
});

test('a session the server does not know falls back to a full, validated handshake', async () => {
  const a = await resumingServer();
  const b = await resumingServer();
  try {
    const { tls } = await fetchReused(`https://localhost:${a.port}/`, opts({ sessionCache: false }));
    const other = await fetchReused(`https://localhost:${b.port}/`, opts({ sessionCache: false, session: tls.session }));
    assert.equal(other.reused, false);
    assert.equal(other.tls.resumed, false);
    assert.notDeepEqual(other.tls.session, tls.session);
  } finally {
    await a.close();
    await b.close();
  }
});

test('sessions are kept per origin and per trust anchors', async () => {
  const s = await resumingServer(pki.issueLeaf({ dns: ['localhost', 'alias.test'] }));
  try {
    await fetchReused(`https://localhost:${s.port}/`, opts());
    assert.equal((await fetchReused(`https://localhost:${s.port}/`, opts())).tls.resumed, true);
    // same server under another name: another origin, nothing offered
    const byAlias = await fetchReused(`https://localhost:${s.port}/`, opts({ servername: 'alias.test' }));
    assert.equal(byAlias.tls.resumed, false);
    // same origin, other trust anchors (the root twice counts as another set): full handshake
    const otherCa = await fetchReused(`https://localhost:${s.port}/`, opts({ ca: [pki.root.certPem, pki.root.certPem] }));
    assert.equal(otherCa.tls.resumed, false);
  } finally {
    await s.close();
  }
});

test('bytes that are not an exported session are refused with CONFIG', async () => {
  const s = await resumingServer();
  try {
    const { tls } = await fetchReused(`https://localhost:${s.port}/`, opts({ sessionCache: false }));
    const wrongFormat = Uint8Array.from(tls.session);
    wrongFormat[0] = Session.FORMAT + 1;
    const noId = Uint8Array.from(tls.session);
    noId[1] = 0;
    for (const session of [tls.session.subarray(0, 40), wrongFormat, noId, new Uint8Array(Session.BYTES)]) {
      const err = await rejection(() => get(`https://localhost:${s.port}/`, opts({ sessionCache: false, session })));
      assert.ok(err instanceof MicroHttpsError);
      assert.equal(err.code, 'CONFIG');
    }
  } finally {
    await s.close();
  }
});

test('ABI: no session before a handshake or over plain HTTP; import needs mh_init', async () => {
  const { Core } = await import('../dist/core.js');
  const fresh = new Core();
  assert.equal(fresh.x.mh_session_export(), 0);
  assert.equal(fresh.x.mh_session_import(Session.BYTES), ErrorCodes.STATE, 'refused before mh_init');
  assert.equal(fresh.x.mh_init(), 0);
  assert.equal(fresh.x.mh_session_export(), 0, 'nothing to export before a connection');
  assert.equal(fresh.x.mh_tls_resumed(), 0);
  assert.equal(fresh.x.mh_open(0, fresh.putXfer(new TextEncoder().encode('localhost'))), 0);
  assert.equal(fresh.x.mh_session_export(), 0, 'plain HTTP has no session');
});
