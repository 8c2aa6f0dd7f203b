#!/usr/bin/env node
// Where the bytes of microhttps.wasm come from.
//
// The final module is merged and optimised by binaryen, which inlines across
// parts and drops the name section, so parts are measured in the two
// intermediate modules the build keeps:
//   build/full/tls.wasm   (wasm-ld output: BearSSL + our C in tls/, with a name section)
//   build/full/http.wasm  (asc output: the AssemblyScript HTTP layer and ABI)
// A function of tls.wasm is attributed to BearSSL or to tls/ by the object
// file that defines it: the symbol tables ("linking" sections) of the objects
// in build/full/obj/ are read, and objects compiled from tls/*.c are named tls_*.o
// by tools/build.mjs. Names defined by both sides (static functions can
// collide) and functions the linker synthesises are reported separately.
//
// Usage: node tools/size-map.mjs [--profile full|portable|small] [--top N] [--json]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILES } from './profiles.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = join(root, 'build');

/** Minimal section walker: { id, name, start, end } for every section. */
function sections(bytes) {
  const out = [];
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const [size, p1] = uleb(bytes, pos);
    let name = '';
    if (id === 0) {
      const [n, p2] = uleb(bytes, p1);
      name = new TextDecoder().decode(bytes.subarray(p2, p2 + n));
      out.push({ id, name, start: p2 + n, end: p1 + size, size });
    } else out.push({ id, name, start: p1, end: p1 + size, size });
    pos = p1 + size;
  }
  return out;
}

function uleb(bytes, pos) {
  let result = 0, shift = 0, b;
  do { b = bytes[pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [result, pos];
}

function str(bytes, pos) {
  const [n, p] = uleb(bytes, pos);
  return [new TextDecoder().decode(bytes.subarray(p, p + n)), p + n];
}

/** The subsections of a custom section: { type, start } (the "name" and "linking" sections share this layout). */
function* subsections(bytes, pos, end) {
  while (pos < end) {
    const type = bytes[pos++];
    const [len, start] = uleb(bytes, pos);
    yield { type, start };
    pos = start + len;
  }
}

/** Number of imported functions (they come first in the function index space). */
function importedFunctions(bytes, secs) {
  const imp = secs.find((s) => s.id === 2);
  if (!imp) return 0;
  let [n, pos] = uleb(bytes, imp.start);
  let funcs = 0;
  for (; n > 0; n--) {
    [, pos] = str(bytes, pos);
    [, pos] = str(bytes, pos);
    const kind = bytes[pos++];
    if (kind === 0) { funcs++; [, pos] = uleb(bytes, pos); }
    else if (kind === 1) { pos++; const flags = bytes[pos++]; [, pos] = uleb(bytes, pos); if (flags & 1) [, pos] = uleb(bytes, pos); }
    else if (kind === 2) { const flags = bytes[pos++]; [, pos] = uleb(bytes, pos); if (flags & 1) [, pos] = uleb(bytes, pos); }
    else if (kind === 3) pos += 2;
    else throw new Error(`unknown import kind ${kind}`);
  }
  return funcs;
}

/** Body size (with its length prefix) of every defined function, by function index. */
function functionSizes(bytes, secs) {
  const code = secs.find((s) => s.id === 10);
  const base = importedFunctions(bytes, secs);
  const sizes = new Map();
  let [n, pos] = uleb(bytes, code.start);
  for (let i = 0; i < n; i++) {
    const [len, p] = uleb(bytes, pos);
    sizes.set(base + i, p - pos + len);
    pos = p + len;
  }
  return sizes;
}

/** Function names from the "name" custom section (subsection 1). */
function functionNames(bytes, secs) {
  const sec = secs.find((s) => s.id === 0 && s.name === 'name');
  const names = new Map();
  if (!sec) return names;
  for (const { type, start } of subsections(bytes, sec.start, sec.end)) {
    if (type !== 1) continue;
    let [n, q] = uleb(bytes, start);
    for (; n > 0; n--) {
      let idx, name;
      [idx, q] = uleb(bytes, q);
      [name, q] = str(bytes, q);
      names.set(idx, name);
    }
  }
  return names;
}

const WASM_SYM_UNDEFINED = 0x10;
const WASM_SYM_EXPLICIT_NAME = 0x40;

/** Names of the functions an object file defines (its "linking" symbol table). */
function definedFunctions(objBytes) {
  const linking = sections(objBytes).find((s) => s.id === 0 && s.name === 'linking');
  const out = [];
  if (!linking) return out;
  const [, afterVersion] = uleb(objBytes, linking.start);
  for (const { type, start } of subsections(objBytes, afterVersion, linking.end)) {
    if (type === 8) {
      let [n, q] = uleb(objBytes, start);
      for (; n > 0; n--) {
        const kind = objBytes[q++];
        let flags;
        [flags, q] = uleb(objBytes, q);
        const defined = !(flags & WASM_SYM_UNDEFINED);
        if (kind === 1) { // data: name, then segment, offset, size when defined
          [, q] = str(objBytes, q);
          if (defined) { [, q] = uleb(objBytes, q); [, q] = uleb(objBytes, q); [, q] = uleb(objBytes, q); }
        } else if (kind === 3) { // section
          [, q] = uleb(objBytes, q);
        } else { // function, global, tag, table: index, then name when defined or explicit
          [, q] = uleb(objBytes, q);
          let name = null;
          if (defined || (flags & WASM_SYM_EXPLICIT_NAME)) [name, q] = str(objBytes, q);
          if (kind === 0 && defined && name) out.push(name);
        }
      }
    }
  }
  return out;
}

/** name -> the object files (build/<profile>/obj/*.o, without .o) that define a function of that name. */
export function definingObjects(objDir) {
  const defs = new Map();
  for (const file of readdirSync(objDir).filter((f) => f.endsWith('.o'))) {
    for (const name of definedFunctions(readFileSync(join(objDir, file)))) {
      if (!defs.has(name)) defs.set(name, []);
      defs.get(name).push(file.slice(0, -2));
    }
  }
  return defs;
}

/** name -> set of parts ('bearssl' | 'tls') over every object in build/obj. */
function ownerMap(objDir) {
  const owners = new Map();
  for (const file of readdirSync(objDir).filter((f) => f.endsWith('.o'))) {
    const part = file.startsWith('tls_') ? 'tls' : 'bearssl';
    for (const name of definedFunctions(readFileSync(join(objDir, file)))) {
      if (!owners.has(name)) owners.set(name, new Set());
      owners.get(name).add(part);
    }
  }
  return owners;
}

function moduleSize(file) {
  const bytes = readFileSync(file);
  return { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** The size map of one build profile (tools/profiles.mjs); `top` lists that many of the largest C functions. */
export function sizeMap(profileName = 'full', top = 0) {
  const profile = PROFILES.find((p) => p.name === profileName);
  if (!profile) throw new Error(`unknown profile ${profileName}; known: ${PROFILES.map((p) => p.name).join(', ')}`);
  // the build keeps each profile's intermediates in build/<profile>/
  const work = join(build, profile.name);
  const final = moduleSize(join(build, profile.output));
  const tlsBytes = readFileSync(join(work, 'tls.wasm'));
  const tlsSecs = sections(tlsBytes);
  const owners = ownerMap(join(work, 'obj'));
  const names = functionNames(tlsBytes, tlsSecs);
  const parts = {
    bearssl: { functions: 0, codeBytes: 0 },
    tls: { functions: 0, codeBytes: 0 },
    ambiguous: { functions: 0, codeBytes: 0 },
    linker: { functions: 0, codeBytes: 0 },
  };
  const largest = [];
  for (const [idx, size] of functionSizes(tlsBytes, tlsSecs)) {
    const own = owners.get(names.get(idx));
    const part = !own ? 'linker' : own.size > 1 ? 'ambiguous' : [...own][0];
    parts[part].functions++;
    parts[part].codeBytes += size;
    largest.push({ name: names.get(idx), part, size });
  }
  const cData = tlsSecs.filter((s) => s.id === 11).reduce((n, s) => n + s.size, 0);
  const httpBytes = readFileSync(join(work, 'http.wasm'));
  const httpSecs = httpBytes.length ? sections(httpBytes) : [];
  const asCode = httpSecs.filter((s) => s.id === 10).reduce((n, s) => n + s.size, 0);
  const asData = httpSecs.filter((s) => s.id === 11).reduce((n, s) => n + s.size, 0);
  return {
    profile: profile.name,
    final,
    intermediate: {
      tlsWasm: { ...moduleSize(join(work, 'tls.wasm')), dataBytes: cData, hasNames: names.size > 0 },
      httpWasm: { ...moduleSize(join(work, 'http.wasm')), codeBytes: asCode, dataBytes: asData },
    },
    parts: {
      bearssl: parts.bearssl,
      tlsC: parts.tls,
      assemblyscript: { functions: functionSizes(httpBytes, httpSecs).size, codeBytes: asCode },
      cAmbiguous: parts.ambiguous,
      cLinker: parts.linker,
    },
    largest: largest.sort((a, b) => b.size - a.size).slice(0, top),
    builtAt: statSync(join(build, profile.output)).mtime.toISOString(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const option = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  const m = sizeMap(option('--profile'), Number(option('--top') ?? 0));
  if (process.argv.includes('--json')) console.log(JSON.stringify(m, null, 2));
  else {
    console.log(`build/${PROFILES.find((p) => p.name === m.profile).output} (profile ${m.profile})  ${m.final.bytes} bytes, ${m.final.gzip} gzip'd`);
    for (const [part, p] of Object.entries(m.parts)) console.log(`  ${part.padEnd(16)} ${String(p.codeBytes).padStart(7)} bytes of code in ${p.functions} functions (intermediate module)`);
    console.log(`  C data (BearSSL + tls/, not split) ${m.intermediate.tlsWasm.dataBytes} bytes; AssemblyScript data ${m.intermediate.httpWasm.dataBytes} bytes`);
    for (const f of m.largest) console.log(`  ${String(f.size).padStart(7)}  ${f.part.padEnd(8)} ${f.name}`);
  }
}
