// The core instance the hostile-server fuzz tests (test/tls-fuzz.test.mjs,
// test/tls13-fuzz.test.mjs) drive by hand (helpers/raw-tls.mjs), and the
// memory figures that must not move under attack.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Core } from '../../dist/core.js';
import { withoutStackPeak } from './memory.mjs';

/** A core instance of profile that trusts rootPem, and its memory figures (which must not move). */
export function fuzzCore(profile, rootPem) {
  const core = new Core(Date.now, profile);
  const x = core.x;
  assert.equal(x.mh_init(), 0);
  assert.equal(x.mh_anchor_add(core.putXfer(new X509Certificate(rootPem).raw)), 0);
  const figures = () => ({ ...withoutStackPeak(core.memoryReport()), bytes: x.memory.buffer.byteLength });
  return { core, x, figures };
}
