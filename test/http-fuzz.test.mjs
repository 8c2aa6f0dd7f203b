// Differential fuzzing against Node's llhttp (strict), short run for CI:
// zero crashes, zero split-dependent results, zero unexplained disagreements.
// Longer runs: npm run fuzz -- --iterations N --seed S
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFuzz, FUZZ_LIMITS } from './fuzz/fuzz.mjs';
import { classify, CLASS_IDS } from './fuzz/classify.mjs';
import { llhttpParse } from './fuzz/llhttp.mjs';
import { createCore, runExchange } from './helpers/raw-core.mjs';
import { bytes } from './helpers/http-vectors.mjs';

const differences = JSON.parse(readFileSync(new URL('../vectors/http/llhttp-differences.json', import.meta.url), 'utf8'));

// ~20k cases take a few seconds here; well under the 60 s budget on a busy 2-core box.
const ITERATIONS = 20000;
const SEED = 20261130;

test(`fuzz: ${ITERATIONS} mutated responses agree with llhttp or differ by a known class`, () => {
  const stats = runFuzz({ iterations: ITERATIONS, seed: SEED, keep: 3 });
  const show = JSON.stringify(stats.problems, null, 1).slice(0, 4000);
  assert.equal(stats.crashes, 0, `crashes: ${show}`);
  assert.equal(stats.splitMismatches, 0, `results depend on the split: ${show}`);
  assert.equal(stats.unexplained, 0, `unexplained disagreements: ${show}`);
  assert.ok(stats.agree > ITERATIONS / 2, 'most cases agree outright');
});

test('every known difference class is recorded in vectors/http/llhttp-differences.json, and only those', () => {
  assert.deepEqual(differences.classes.map((c) => c.id).sort(), [...CLASS_IDS].sort());
  for (const c of differences.classes) assert.match(c.rule, /RFC \d+ §/, `${c.id} names its RFC rule`);
});

test('each recorded difference is real: llhttp disagrees on its example and the classifier names it', () => {
  const core = createCore(FUZZ_LIMITS);
  for (const c of differences.classes) {
    const method = c.example.requests?.[0]?.method ?? 'GET';
    const input = bytes(c.fuzzExample ?? c.example.response);
    const ours = runExchange(core, { requests: [{ method }], pieces: [input] });
    const verdict = classify(input, method, ours, llhttpParse(input, method));
    assert.equal(verdict.agree, false, `${c.id}: llhttp agrees with us`);
    assert.ok(verdict.explained?.includes(c.id), `${c.id}: classified as ${verdict.explained} (${verdict.what})`);
  }
});
