// Code size: the shipped module (bytes and gzip -9) and where its bytes come
// from, per tools/size-map.mjs (which explains the attribution method).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { sizeMap } from '../tools/size-map.mjs';
import { PROFILES } from '../tools/profiles.mjs';
import { section, fmt } from './harness.mjs';
import { Mem } from '../dist/generated/spec.js';

/** A profile's fixed memory figures (mh_mem), read from a fresh instance. */
function staticFigures(bytes) {
  const imports = { wasi_snapshot_preview1: { random_get: () => 0, clock_time_get: () => 28 } };
  const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  return Object.fromEntries(['HEAP_BASE', 'STATIC_DATA', 'STACK_SIZE', 'ARENA_SIZE'].map((k) => [k, x.mh_mem(Mem[k])]));
}

export async function run() {
  const m = sizeMap();
  const pct = (n, total) => `${((100 * n) / total).toFixed(1)}%`;
  const partCode = m.parts.bearssl.codeBytes + m.parts.tlsC.codeBytes + m.parts.assemblyscript.codeBytes + m.parts.cAmbiguous.codeBytes + m.parts.cLinker.codeBytes;
  const partRows = [
    ['BearSSL (C)', m.parts.bearssl],
    ['our C (tls/)', m.parts.tlsC],
    ['AssemblyScript (assembly/)', m.parts.assemblyscript],
    ['C, defined on both sides (ambiguous)', m.parts.cAmbiguous],
    ['C, linker-synthesised', m.parts.cLinker],
  ].map(([label, p]) => [label, fmt(p.functions), fmt(p.codeBytes), pct(p.codeBytes, partCode)]);
  partRows.push(['C static data (BearSSL + tls/, not split)', '', fmt(m.intermediate.tlsWasm.dataBytes), '']);
  partRows.push(['AssemblyScript static data', '', fmt(m.intermediate.httpWasm.dataBytes), '']);
  const profiles = PROFILES.map((p) => {
    const bytes = readFileSync(new URL(`../build/${p.output}`, import.meta.url));
    return { name: p.name, output: p.output, features: p.features, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, memory: staticFigures(bytes) };
  });
  const profileRows = profiles.map((p) => [`${p.name} (build/${p.output})`, p.features.join(', ') || 'MVP', fmt(p.bytes), fmt(p.gzip),
    fmt(p.memory.HEAP_BASE), fmt(p.memory.STATIC_DATA), fmt(p.memory.STACK_SIZE), fmt(p.memory.ARENA_SIZE)]);
  return section('Code size', {
    note: 'Every build profile of tools/profiles.mjs is listed. Parts are measured in the full profile\'s intermediate modules (build/full/tls.wasm from wasm-ld with its name section, ' +
      'build/full/http.wasm from asc) before wasm-merge and binaryen -O3 join and shrink them, so they add up to more than the final module. ' +
      'A C function is attributed to BearSSL or to tls/ by the object file (build/full/obj/*.o) whose wasm symbol table defines it; tools/size-map.mjs documents the method.',
    figures: { ...m, profiles },
    tables: [
      { title: 'Build profiles', head: ['profile', 'wasm features', 'bytes', 'gzip -9', 'linear memory (__heap_base)', 'static data', 'stack', 'arena'], rows: profileRows },
      { title: 'Code size of build/microhttps.wasm', head: ['module', 'bytes', 'gzip -9'], rows: [
        ['build/microhttps.wasm (shipped)', fmt(m.final.bytes), fmt(m.final.gzip)],
        ['build/tls.wasm (intermediate: BearSSL + tls/)', fmt(m.intermediate.tlsWasm.bytes), fmt(m.intermediate.tlsWasm.gzip)],
        ['build/http.wasm (intermediate: AssemblyScript)', fmt(m.intermediate.httpWasm.bytes), fmt(m.intermediate.httpWasm.gzip)],
      ] },
      { title: 'Code by part (intermediate modules)', head: ['part', 'functions', 'code bytes', 'share of code'], rows: partRows },
    ],
    charts: [{ id: 'size-parts', kind: 'stacked', title: 'Code bytes by part (intermediate modules)', unit: 'bytes', bars: [{ label: 'code', layers: [
      ['BearSSL', m.parts.bearssl.codeBytes], ['our C (tls/)', m.parts.tlsC.codeBytes], ['AssemblyScript', m.parts.assemblyscript.codeBytes],
      ['C static data', m.intermediate.tlsWasm.dataBytes], ['AS static data', m.intermediate.httpWasm.dataBytes],
    ] }] }],
    budgeted: { 'size.wasmBytes': m.final.bytes, 'size.wasmGzipBytes': m.final.gzip, 'size.smallWasmBytes': profiles.find((p) => p.name === 'small').bytes },
  });
}
