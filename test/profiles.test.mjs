// Every build profile (tools/profiles.mjs), read back from its binary: the
// wasm features it declares and really uses, and its imports. The portable
// profile must run on every WAMR execution mode, the classic interpreter
// included, so it may use no feature outside that set (SIMD above all).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mem } from '../dist/generated/spec.js';
import { readFileSync } from 'node:fs';
import { readWasm } from '../tools/wasm-reader.mjs';
import { FEATURES, PROFILES, toolFlags } from '../tools/profiles.mjs';
import { validatesWith } from '../tools/validate.mjs';

const buildDir = new URL('../build/', import.meta.url);
const abiDoc = readFileSync(new URL('../docs/abi.md', import.meta.url), 'utf8');
const documentedImports = [...abiDoc.split('\n## Imports\n')[1].split('\n## ')[0].matchAll(/^\| `(\w+)` \| `(\w+)` \|/gm)]
  .map(([, module, name]) => `${module}.${name}`);

test('the portable profile allows no SIMD and nothing else a WAMR interpreter lacks', () => {
  const portable = PROFILES.find((p) => p.name === 'portable');
  assert.equal(portable.output, 'microhttps-portable.wasm');
  assert.deepEqual([...portable.features].sort(), ['bulk-memory', 'mutable-globals', 'nontrapping-fptoint', 'sign-ext']);
  assert.ok(PROFILES.some((p) => p.name === 'full' && p.output === 'microhttps.wasm' && p.features.includes('simd128')));
});

for (const profile of PROFILES) {
  const file = new URL(profile.output, buildDir).pathname;
  const bytes = readFileSync(file);
  const info = readWasm(bytes);
  const flags = toolFlags(profile.features);

  test(`${profile.output} declares exactly the features of profile ${profile.name}`, () => {
    const declared = (info.targetFeatures ?? []).filter((f) => f.startsWith('+')).map((f) => f.slice(1));
    assert.deepEqual(declared.sort(), [...flags.declared].sort());
  });

  test(`${profile.output} validates with only the features of profile ${profile.name} enabled`, () => {
    // binaryen decodes every instruction: a SIMD (0xFD-prefixed) or any
    // other disallowed opcode fails here, whatever the section above says.
    assert.ok(validatesWith(bytes, flags.binaryen), `${file} does not validate with only ${flags.binaryen.join(', ')}`);
  });

  test(`${profile.output} imports exactly what docs/abi.md lists`, () => {
    assert.deepEqual(documentedImports, ['wasi_snapshot_preview1.random_get', 'wasi_snapshot_preview1.clock_time_get']);
    assert.deepEqual(info.imports.map((i) => `${i.module}.${i.name}`).sort(), [...documentedImports].sort());
    assert.ok(info.imports.every((i) => i.kind === 'func'));
  });

  test(`${profile.output} exports the same ABI as microhttps.wasm`, () => {
    const names = (i) => i.exports.map((e) => `${e.kind} ${e.name}`).sort();
    assert.deepEqual(names(info), names(readWasm(readFileSync(new URL('microhttps.wasm', buildDir)))));
  });
}

test('the portable core really uses bulk memory (WAMR_BUILD_BULK_MEMORY=1) and no SIMD', () => {
  const bytes = readFileSync(new URL('microhttps-portable.wasm', buildDir));
  const allBut = (feature) => Object.keys(FEATURES).filter((f) => f !== feature).flatMap((f) => FEATURES[f].binaryen);
  assert.ok(validatesWith(bytes, allBut('simd128')));
  // memcpy/memset are memory.copy/memory.fill: without bulk memory the validator refuses it.
  assert.equal(validatesWith(bytes, allBut('bulk-memory')), false);
});

test('each profile carves from the arena it was built with, and its memory ends right after it', () => {
  for (const profile of PROFILES) {
    const bytes = readFileSync(new URL(profile.output, buildDir));
    const imports = { wasi_snapshot_preview1: { random_get: () => 0, clock_time_get: () => 28 } };
    const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    const arena = x.mh_mem(Mem.ARENA_SIZE);
    if (profile.arenaBytes) assert.equal(arena, profile.arenaBytes, profile.name);
    assert.equal(x.mh_mem(Mem.HEAP_BASE), x.mh_mem(Mem.STACK_SIZE) + x.mh_mem(Mem.STATIC_DATA) + arena);
    assert.equal(x.memory.buffer.byteLength, Math.ceil(x.mh_mem(Mem.HEAP_BASE) / 65536) * 65536, 'no page beyond the static data');
    assert.equal(x.mh_init(), 0, `${profile.name}: the default limits fit its arena`);
  }
});
