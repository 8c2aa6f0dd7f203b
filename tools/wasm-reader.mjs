// A small reader for the parts of a .wasm binary the build and the tests
// look at: imports, exports (with function signatures), memory limits, data
// segments, declared features.
// It decodes sections only; disassembly is left to binaryen.

/** @param {Uint8Array} bytes */
export function readWasm(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8; // magic + version
  const out = { imports: [], exports: [], memories: [], globals: [], dataSegments: [], customSections: [], sectionSizes: {} };
  const types = [];
  // Type index of every function, imported ones first (the function index space).
  const functionTypes = [];

  const u8 = () => bytes[pos++];
  const uleb = () => {
    let result = 0, shift = 0, b;
    do { b = bytes[pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return result;
  };
  const name = () => { const n = uleb(); const s = new TextDecoder().decode(bytes.subarray(pos, pos + n)); pos += n; return s; };
  const limits = () => { const flags = u8(); const min = uleb(); const max = flags & 1 ? uleb() : undefined; return { min, max, shared: !!(flags & 2) }; };
  // A constant expression: the value of i32.const, undefined for other kinds.
  const constExpr = () => {
    const op = u8();
    let value;
    if (op === 0x41) value = sleb();
    else if (op === 0x42) sleb64();
    else if (op === 0x43) pos += 4;
    else if (op === 0x44) pos += 8;
    else if (op === 0x23) uleb();
    else throw new Error(`unsupported init expression opcode 0x${op.toString(16)}`);
    if (u8() !== 0x0b) throw new Error('bad init expression');
    return value;
  };
  const sleb64 = () => { let b; do { b = bytes[pos++]; } while (b & 0x80); };
  const sleb = () => {
    let result = 0, shift = 0, b;
    do { b = bytes[pos++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) result |= -1 << shift;
    return result;
  };
  const kinds = ['func', 'table', 'memory', 'global', 'tag'];
  const valueTypes = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
  const valueList = () => Array.from({ length: uleb() }, () => valueTypes[u8()] ?? 'unknown');
  const sectionNames = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];

  if (view.getUint32(0, true) !== 0x6d736100) throw new Error('not a wasm module');
  while (pos < bytes.length) {
    const id = u8();
    const size = uleb();
    const end = pos + size;
    const label = sectionNames[id] ?? `section${id}`;
    out.sectionSizes[label] = (out.sectionSizes[label] ?? 0) + size;
    if (id === 0) {
      const section = name();
      out.customSections.push(section);
      // Features the producer declares: '+' used, '-' must not be used.
      if (section === 'target_features') {
        out.targetFeatures = [];
        for (let n = uleb(); n > 0; n--) {
          const prefix = String.fromCharCode(u8());
          out.targetFeatures.push(`${prefix}${name()}`);
        }
      }
    } else if (id === 1) {
      for (let n = uleb(); n > 0; n--) {
        if (u8() !== 0x60) throw new Error('unsupported type form (only function types are read)');
        types.push({ params: valueList(), results: valueList() });
      }
    } else if (id === 3) {
      for (let n = uleb(); n > 0; n--) functionTypes.push(uleb());
    } else if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        const module = name(), field = name(), kind = kinds[u8()];
        if (kind === 'func') functionTypes.push(uleb());
        else if (kind === 'memory') out.memories.push({ imported: true, ...limits() });
        else if (kind === 'table') { u8(); limits(); }
        else if (kind === 'global') { u8(); u8(); }
        out.imports.push({ module, name: field, kind });
      }
    } else if (id === 5) {
      for (let n = uleb(); n > 0; n--) out.memories.push({ imported: false, ...limits() });
    } else if (id === 6) {
      for (let n = uleb(); n > 0; n--) {
        const type = u8(), mutable = u8() === 1;
        out.globals.push({ type, mutable, value: constExpr() });
      }
    } else if (id === 7) {
      for (let n = uleb(); n > 0; n--) out.exports.push({ name: name(), kind: kinds[u8()], index: uleb() });
    } else if (id === 11) {
      for (let n = uleb(); n > 0; n--) {
        const flags = uleb();
        if (flags === 2) uleb();
        const offset = flags === 1 ? undefined : constExpr();
        const length = uleb();
        out.dataSegments.push({ offset, length, passive: flags === 1 });
        pos += length;
      }
    }
    pos = end;
  }
  // Sections come in order (type, import, function, ..., export), so all is known here.
  for (const e of out.exports) if (e.kind === 'func') e.type = types[functionTypes[e.index]];
  return out;
}

/** Value of an exported i32 global (imported globals are not counted: our modules have none). */
export function exportedGlobal(info, name) {
  const exp = info.exports.find((e) => e.name === name && e.kind === 'global');
  return exp ? info.globals[exp.index]?.value : undefined;
}

/** End of the highest active data segment (the end of a module's static data). */
export function staticDataEnd(info) {
  return info.dataSegments.reduce((end, s) => (s.passive ? end : Math.max(end, s.offset + s.length)), 0);
}
