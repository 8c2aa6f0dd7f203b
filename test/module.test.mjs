// Facts about the built module itself: imports, exports, memory; and the
// generated forms of spec/ (tools/gen.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import binaryen from 'binaryen';
import { readWasm, exportedGlobal } from '../tools/wasm-reader.mjs';
import { WASM_TYPE } from '../tools/gen-functions.mjs';
import { PROFILES } from '../tools/profiles.mjs';

const wasm = readFileSync(new URL('../build/microhttps.wasm', import.meta.url));
const info = readWasm(wasm);
const abiDoc = readFileSync(new URL('../docs/abi.md', import.meta.url), 'utf8');
const abiSpec = JSON.parse(readFileSync(new URL('../spec/abi.json', import.meta.url), 'utf8'));
const genTool = new URL('../tools/gen.mjs', import.meta.url).pathname;

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

test('every core\'s function exports are exactly spec/abi.json\'s, with their wasm signatures', () => {
  const specified = Object.fromEntries(abiSpec.exports.map((f) => [f.name, {
    params: f.params.map(([, type]) => WASM_TYPE[type]),
    results: f.result === null ? [] : [WASM_TYPE[f.result]],
  }]));
  for (const profile of PROFILES) {
    const built = readWasm(readFileSync(new URL(`../build/${profile.output}`, import.meta.url)));
    const exported = Object.fromEntries(built.exports.filter((e) => e.kind === 'func').map((e) => [e.name, e.type]));
    assert.deepEqual(exported, specified, profile.output);
  }
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

test('wasm-validate accepts the module', () => {
  execFileSync('wasm-validate', [new URL('../build/microhttps.wasm', import.meta.url).pathname]);
});

test('generated files and documentation sections are up to date with spec/', () => {
  execFileSync(process.execPath, [genTool, '--check']);
});

test('gen.mjs --check fails when any generated file or docs section is stale or edited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'microhttps-gen-'));
  const check = () => spawnSync(process.execPath, [genTool, '--root', dir, '--check'], { encoding: 'utf8' });
  try {
    mkdirSync(join(dir, 'docs'));
    cpSync(new URL('../spec', import.meta.url).pathname, join(dir, 'spec'), { recursive: true });
    for (const doc of ['abi.md', 'errors.md']) cpSync(new URL(`../docs/${doc}`, import.meta.url).pathname, join(dir, 'docs', doc));
    execFileSync(process.execPath, [genTool, '--root', dir]);
    assert.equal(check().status, 0);
    const generated = ['docs/abi.md', 'docs/errors.md', 'assembly/generated/spec.ts', 'assembly/generated/tls.ts',
      'include/microhttps/spec.h', 'include/microhttps/spec_names.h', 'tls/core/generated/core_exports.h',
      'host/wamr/generated/core_exports.h', 'host/wamr/generated/core_exports.c', 'host/node/generated/spec.ts',
      'host/node/generated/abi.ts'];
    for (const rel of generated) {
      const file = join(dir, rel);
      const before = readFileSync(file, 'utf8');
      // docs: a row added by hand inside a generated section; other files: anywhere
      writeFileSync(file, rel.startsWith('docs/') ? before.replace(/(<!-- generated:\w+ -->\n)/, '$1| a | hand-edited row |\n') : `${before}\n`);
      const edited = check();
      assert.equal(edited.status, 1, `an edited ${rel} passes the check`);
      assert.ok(edited.stderr.includes(rel), edited.stderr);
      writeFileSync(file, before);
    }
    // a spec change makes every form that shows it stale
    const spec = JSON.parse(readFileSync(join(dir, 'spec', 'abi.json'), 'utf8'));
    spec.exports.push({ name: 'mh_example', params: [['n', 'u32']], result: 'u32', doc: 'an example' });
    writeFileSync(join(dir, 'spec', 'abi.json'), JSON.stringify(spec));
    const stale = check();
    assert.equal(stale.status, 1);
    for (const rel of ['docs/abi.md', 'host/node/generated/abi.ts', 'host/wamr/generated/core_exports.h', 'host/wamr/generated/core_exports.c']) {
      assert.ok(stale.stderr.includes(rel), `${rel} is not reported stale`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
