// Facts about the built module itself: imports, exports, memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import binaryen from 'binaryen';
import { readWasm, exportedGlobal } from '../tools/wasm-reader.mjs';
import { PROFILES, toolFlags } from '../tools/profiles.mjs';
import { validatesWith } from '../tools/validate.mjs';

const wasm = readFileSync(new URL('../build/microhttps.wasm', import.meta.url));
const info = readWasm(wasm);
const abiDoc = readFileSync(new URL('../docs/abi.md', import.meta.url), 'utf8');

/** Rows of the markdown table under a "## heading". */
function tableRows(heading) {
  const section = abiDoc.split(`\n## ${heading}\n`)[1].split('\n## ')[0];
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---') && !l.startsWith('| module') && !l.startsWith('| export'));
}

test('imports are exactly the two WASI functions listed in docs/abi.md', () => {
  const documented = tableRows('Imports').map((row) => {
    const [module, name] = row.split('|').slice(1, 3).map((c) => c.trim().replace(/`/g, ''));
    return `${module}.${name}`;
  });
  assert.deepEqual(documented, ['wasi_snapshot_preview1.random_get', 'wasi_snapshot_preview1.clock_time_get']);
  assert.deepEqual(info.imports.map((i) => `${i.module}.${i.name}`).sort(), [...documented].sort());
  assert.ok(info.imports.every((i) => i.kind === 'func'));
});

test('every function export is documented in docs/abi.md, and every documented one exists', () => {
  const exported = info.exports.filter((e) => e.kind === 'func').map((e) => e.name).sort();
  const documented = [...new Set(tableRows('Exports').flatMap((row) =>
    [...row.split("|")[1].matchAll(/`(mh_[a-z0-9_]+)\(/g)].map((m) => m[1])))].sort();
  assert.deepEqual(exported, documented);
  assert.ok(exported.every((name) => name.startsWith('mh_')));
});

test('one memory, exported, initial pages equal to maximum, never grown or queried', () => {
  assert.equal(info.memories.length, 1);
  const [mem] = info.memories;
  assert.equal(mem.imported, false);
  assert.equal(mem.max, mem.min);
  assert.ok(info.exports.some((e) => e.name === 'memory' && e.kind === 'memory'));
  const m = binaryen.readBinary(wasm);
  const text = m.emitText();
  m.dispose();
  assert.doesNotMatch(text, /memory\.grow/);
  assert.doesNotMatch(text, /memory\.size/);
});

test('__heap_base and __data_end mark the end of all static data', () => {
  const heapBase = exportedGlobal(info, '__heap_base');
  assert.equal(exportedGlobal(info, '__data_end'), heapBase);
  const dataEnd = info.dataSegments.reduce((end, s) => Math.max(end, (s.offset ?? 0) + s.length), 0);
  assert.ok(heapBase >= dataEnd, `__heap_base ${heapBase} below data end ${dataEnd}`);
  assert.ok(heapBase <= info.memories[0].min * 65536);
});

test('the module validates (binaryen, every feature the full profile allows)', () => {
  const full = PROFILES.find((p) => p.output === 'microhttps.wasm');
  assert.ok(validatesWith(wasm, toolFlags(full.features).binaryen));
});

test('generated documentation sections are up to date with spec/', () => {
  execFileSync(process.execPath, [new URL('../tools/gen.mjs', import.meta.url).pathname, '--check']);
});

test('mh_sha256 hashes transfer-window bytes as Node does, and refuses ranges outside the window', async () => {
  const { createHash, randomBytes } = await import('node:crypto');
  const { Core } = await import('../dist/core.js');
  const core = new Core();
  assert.equal(core.x.mh_sha256(0, 1), 0, 'before mh_init there is no window');
  assert.equal(core.x.mh_init(), 0);
  const data = randomBytes(700);
  core.putXfer(data);
  for (const [off, len] of [[0, 0], [0, 700], [13, 101]]) {
    const digest = Buffer.from(core.view(core.x.mh_sha256(off, len), 32));
    assert.equal(digest.toString('hex'), createHash('sha256').update(data.subarray(off, off + len)).digest('hex'));
  }
  assert.equal(core.x.mh_sha256(core.x.mh_xfer_cap() - 1, 2), 0);
});
