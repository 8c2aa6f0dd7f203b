// Memory budgets (issue 6): a complete HTTPS GET with full validation of an
// ECDSA chain (root -> intermediate -> leaf, all P-256), on every build
// profile, with 16 KiB records and with a negotiated 1 KiB Maximum Fragment
// Length, trusting 1 root or 1 + all of Node's roots. The figure checked is
// the core's own USED_PEAK (static data + deepest stack + arena carved), in
// bytes; each profile's budgets are in tools/profiles.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { get } from '../dist/index.js';
import { PROFILES } from '../tools/profiles.mjs';
import { startHttpsServer } from './helpers/servers.mjs';
import { loopback, localPki } from './helpers/core-client.mjs';
import { withoutStackPeak } from './helpers/memory.mjs';

const BODY = Buffer.alloc(20_000, 'm');
// the stack is static: a profile's must keep this much unused at the deepest point seen
const STACK_HEADROOM = 3072;
let pki, server;
before(async () => {
  ({ pki } = localPki());
  const intermediate = pki.issueIntermediate({ cn: 'microhttps Budget Intermediate' });
  const leaf = pki.issueLeaf({ dns: ['localhost'], issuer: intermediate });
  server = await startHttpsServer({
    key: leaf.keyPem, cert: leaf.chainPem,
    handler(req, res) { res.writeHead(200, { 'content-length': BODY.length }); res.end(BODY); },
  });
});
after(async () => {
  await server.close();
  pki.cleanup();
});

const MODES = [['records16k', '16 KiB records', undefined], ['mfl1024', 'MFL 1024', 1024]];

async function getOnce(core, maxFragment, ca, maxVersion = '1.2') {
  return (await fetchOnce(core, maxFragment, ca, maxVersion)).memory;
}

async function fetchOnce(core, maxFragment, ca, maxVersion, session = undefined) {
  // sessionCache off: every GET is a full handshake with the whole chain, unless a session is given
  const res = await get(`https://localhost:${server.port}/`, { core, maxFragment, ca, maxVersion, lookup: loopback, sessionCache: false, session, timeout: 10_000 });
  assert.equal(res.tls.version, maxVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2');
  assert.equal(res.tls.resumed, session !== undefined);
  assert.equal(res.status, 200);
  assert.equal((await res.bytes()).length, BODY.length);
  assert.equal(res.tls.maxFragment ?? 0, maxFragment ?? 0);
  return { memory: res.memory, session: res.tls.session };
}

for (const profile of PROFILES) {
  for (const [mode, label, maxFragment] of MODES) {
    test(`${profile.name} core: an HTTPS GET over an ECDSA chain with ${label} stays within its budget, with 1 root or ${rootCertificates.length + 1}`, async (t) => {
      const one = await getOnce(profile.name, maxFragment, [pki.root.certPem]);
      const all = await getOnce(profile.name, maxFragment, [...rootCertificates, pki.root.certPem]);
      const budget = profile.memoryBudget[mode];
      t.diagnostic(`${profile.name}, ${label}: used ${one.USED_PEAK} B = static ${one.STATIC_DATA} + stack peak ${one.STACK_PEAK} + arena ${one.ARENA_USED} ` +
        `(record buffer ${one.IO_BUFFER}); budget ${budget}; linear memory ${one.HEAP_BASE} B`);
      assert.deepEqual(withoutStackPeak(all), withoutStackPeak(one), 'memory does not depend on the number of trusted roots');
      for (const m of [one, all]) {
        assert.ok(m.USED_PEAK <= budget, `${m.USED_PEAK} bytes used, budget ${budget}`);
        assert.equal(m.USED_PEAK, m.STATIC_DATA + m.STACK_PEAK + m.ARENA_USED);
        assert.ok(m.STACK_SIZE - m.STACK_PEAK >= STACK_HEADROOM, `stack peak ${m.STACK_PEAK} of ${m.STACK_SIZE}`);
      }
    });
  }
}

// The TLS 1.3 engine shares static space with BearSSL's context (one engine
// runs per connection), so a TLS 1.3 GET costs at most 2 KiB more than 1.2.
const TLS13_EXTRA = 2048;
for (const profile of PROFILES.filter((p) => !(p.tls ?? []).includes('MH_NO_TLS13'))) {
  for (const [mode, label, maxFragment] of MODES) {
    test(`${profile.name} core: a TLS 1.3 GET with ${label} uses at most ${TLS13_EXTRA} bytes more than TLS 1.2`, async (t) => {
      const twelve = await getOnce(profile.name, maxFragment, [pki.root.certPem]);
      const thirteen = await getOnce(profile.name, maxFragment, [pki.root.certPem], '1.3');
      t.diagnostic(`${profile.name}, ${label}: TLS 1.3 used ${thirteen.USED_PEAK} B (stack peak ${thirteen.STACK_PEAK}), TLS 1.2 ${twelve.USED_PEAK} B (stack peak ${twelve.STACK_PEAK})`);
      assert.ok(thirteen.USED_PEAK <= twelve.USED_PEAK + TLS13_EXTRA, `${thirteen.USED_PEAK} vs ${twelve.USED_PEAK}`);
      assert.ok(thirteen.USED_PEAK <= profile.memoryBudget[mode] + TLS13_EXTRA);
      assert.ok(thirteen.STACK_SIZE - thirteen.STACK_PEAK >= STACK_HEADROOM, `stack peak ${thirteen.STACK_PEAK} of ${thirteen.STACK_SIZE}`);
    });
    test(`${profile.name} core: a resumed TLS 1.3 GET (ticket) with ${label} stays within the TLS 1.3 budget`, async (t) => {
      const full = await fetchOnce(profile.name, maxFragment, [pki.root.certPem], '1.3');
      const resumed = (await fetchOnce(profile.name, maxFragment, [pki.root.certPem], '1.3', full.session)).memory;
      t.diagnostic(`${profile.name}, ${label}: resumed TLS 1.3 used ${resumed.USED_PEAK} B (stack peak ${resumed.STACK_PEAK}), full ${full.memory.USED_PEAK} B`);
      assert.ok(resumed.USED_PEAK <= profile.memoryBudget[mode] + TLS13_EXTRA, `${resumed.USED_PEAK} bytes used`);
      assert.ok(resumed.STACK_SIZE - resumed.STACK_PEAK >= STACK_HEADROOM, `stack peak ${resumed.STACK_PEAK} of ${resumed.STACK_SIZE}`);
    });
  }
}
