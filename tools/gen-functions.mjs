// The function forms of spec/abi.json for tools/gen.mjs: "exports" (the
// core's mh_* ABI) and "internal" (the C functions of tls/ that assembly/
// calls). Each form is made here only; the implementations are
// assembly/index.ts (exports) and tls/core/core_exports.c (internal).

/** Wasm value type of each ABI type: the signature a test reads from the binary. */
export const WASM_TYPE = { u32: 'i32', i32: 'i32', ptr: 'i32' };

/** C and AssemblyScript types of the internal interface (wasm32: all are i32). */
const INTERNAL_TYPE = {
  u32: { c: 'unsigned', as: 'u32' },
  size: { c: 'size_t', as: 'u32' },
  ptr: { c: 'unsigned char *', as: 'usize' },
  cptr: { c: 'const unsigned char *', as: 'usize' },
  text: { c: 'const char *', as: 'usize' },
};

function checkTypes(list, known, what) {
  for (const f of list) {
    for (const t of [...f.params.map(([, type]) => type), ...(f.result === null ? [] : [f.result])]) {
      if (!Object.hasOwn(known, t)) throw new Error(`spec/abi.json: ${what} ${f.name} uses unknown type ${t}`);
    }
  }
}

/** A C comment holding text, with comment starts and ends inside defused (spec/*.json -> spec/<name>.json). */
const cComment = (text) => `/* ${text.replace(/\/\*/g, '/<name>').replace(/\*\//g, '* /')} */`;
/** The export's id in the WAMR host's table: mh_tls_suite -> X_TLS_SUITE. */
const wamrId = (name) => `X_${name.replace(/^mh_/, '').toUpperCase()}`;
const cType = (t) => INTERNAL_TYPE[t].c;
const cDecl = (type, name) => (type.endsWith('*') ? `${type}${name}` : `${type} ${name}`);

/** host/node/generated/abi.ts: the TypeScript interface of the core's exports. */
export function typeScriptExports(abi, header) {
  checkTypes(abi.exports, WASM_TYPE, 'export');
  const members = abi.exports.map((f) => {
    const params = f.params.map(([name]) => `${name}: number`).join(', ');
    return `  /** ${f.doc.replace(/\*\//g, '* /')} */\n  ${f.name}(${params}): ${f.result === null ? 'void' : 'number'};`;
  });
  return `// ${header}\n/** The exports of microhttps.wasm (docs/abi.md). */\nexport interface CoreExports {\n  memory: WebAssembly.Memory;\n${members.join('\n')}\n}\n`;
}

/** assembly/generated/tls.ts: the AssemblyScript imports of the internal C functions. */
export function assemblyScriptImports(abi, header) {
  checkTypes(abi.internal, INTERNAL_TYPE, 'internal function');
  const out = [`// ${header}`, '// The C side (tls/core/core_exports.c). wasm-merge turns these imports into', '// direct calls inside the one module.'];
  for (const f of abi.internal) {
    const params = f.params.map(([name, type]) => `${name}: ${INTERNAL_TYPE[type].as}`).join(', ');
    const result = f.result === null ? 'void' : INTERNAL_TYPE[f.result].as;
    out.push(`/** ${f.doc.replace(/\*\//g, '* /')} */\n@external("env", "${f.name}") export declare function ${f.name}(${params}): ${result};`);
  }
  return out.join('\n') + '\n';
}

/** tls/core/generated/core_exports.h: prototypes core_exports.c must match, each exported under its name. */
export function cInternalHeader(abi, header) {
  const out = [cComment(header), '#ifndef MH_CORE_EXPORTS_H', '#define MH_CORE_EXPORTS_H', '#include <stddef.h>', '',
    cComment('The functions assembly/ imports from "env": each is exported under its own name, wasm-merge links it to the import of the same name, and the build then drops it from the final exports.'),
    '#define MH_CORE_EXPORT(name) __attribute__((export_name(#name)))'];
  for (const f of abi.internal) {
    const params = f.params.length ? f.params.map(([name, type]) => cDecl(cType(type), name)).join(', ') : 'void';
    const result = f.result === null ? 'void' : cType(f.result);
    out.push(`${cComment(f.doc)}\nMH_CORE_EXPORT(${f.name}) ${cDecl(result, f.name)}(${params});`);
  }
  out.push('#endif');
  return out.join('\n') + '\n';
}

/** host/wamr/generated/core_exports.{h,c}: the WAMR host's export ids, names and arities. */
export function wamrTable(abi, header) {
  const ids = abi.exports.map((f) => wamrId(f.name));
  const h = [cComment(header), '#ifndef MICROHTTPS_CORE_EXPORTS_H', '#define MICROHTTPS_CORE_EXPORTS_H', '',
    cComment('The core\'s exports, in the order of spec/abi.json.'),
    `enum core_export {\n${ids.map((id) => `    ${id},`).join('\n')}\n    X_COUNT\n};`, '',
    cComment('Indexed by enum core_export: the export\'s name, and how many i32 arguments it takes.'),
    'extern const char *const core_export_names[X_COUNT];',
    'extern const unsigned char core_export_params[X_COUNT];', '', '#endif'];
  const c = [cComment(header), '#include "core_exports.h"', '',
    `const char *const core_export_names[X_COUNT] = {\n${abi.exports.map((f) => `    ${JSON.stringify(f.name)},`).join('\n')}\n};`, '',
    `const unsigned char core_export_params[X_COUNT] = {\n${abi.exports.map((f) => `    ${f.params.length},`).join('\n')}\n};`];
  return { h: h.join('\n') + '\n', c: c.join('\n') + '\n' };
}

/** The function table of docs/abi.md. */
export function exportsTable(abi) {
  const signature = (f) => `${f.name}(${f.params.map(([name, type]) => `${name}: ${type}`).join(', ')})${f.result === null ? '' : ` -> ${f.result}`}`;
  const rows = abi.exports.map((f) => `| \`${signature(f)}\` | ${f.doc.replace(/\|/g, '\\|')} |`);
  return ['| export | contract |', '| --- | --- |', ...rows].join('\n');
}
