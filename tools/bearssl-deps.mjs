// Which BearSSL sources a build needs: those defining a br_* name that our
// C uses, and so on transitively, read from the source text. BearSSL writes
// every definition's name at the start of a line, which makes this a cheap
// over-estimate; the linker has the last word (tools/build.mjs compiles the
// rest when a name is left undefined). Compiling about 110 of 277 files
// matters with the pinned compiler, which is several times slower than a
// native one (docs/build.md).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const withoutComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ');

/** { br_name: [files defining it] } over the given sources. */
function definitions(files, read) {
  const defs = new Map();
  for (const file of files) {
    for (const m of withoutComments(read(file)).matchAll(/^(?:(?:const|static|\w+)\s+)*\**(br_\w+)\s*[([=]/gm)) {
      defs.set(m[1], [...(defs.get(m[1]) ?? []), file]);
    }
  }
  return defs;
}

/**
 * What a name in a source brings in through a header: inner.h's macros
 * (CCOPY is br_ccopy) and inline functions name br_* functions themselves.
 */
function headerAliases(headerText) {
  const aliases = new Map();
  const text = withoutComments(headerText);
  for (const m of text.matchAll(/^\s*#\s*define\s+(\w+)(.*)$/gm)) aliases.set(m[1], m[2].match(/\bbr_\w+/g) ?? []);
  for (const m of text.matchAll(/(\w+)\s*\([^()]*\)\s*\{((?:[^{}]|\{[^{}]*\})*)\}/g)) {
    aliases.set(m[1], [...(aliases.get(m[1]) ?? []), ...(m[2].match(/\bbr_\w+/g) ?? [])]);
  }
  return aliases;
}

/**
 * The BearSSL files (of brFiles) reachable from roots by br_* names, paths as
 * given; innerHeader is BearSSL's src/inner.h.
 */
export function neededBearssl(roots, brFiles, innerHeader, hostPath) {
  const read = (f) => readFileSync(hostPath(f), 'utf8');
  const defs = definitions(brFiles, read);
  const aliases = headerAliases(read(innerHeader));
  const seen = new Set(roots);
  const queue = [...roots];
  while (queue.length) {
    const words = new Set(withoutComments(read(queue.pop())).match(/\b[A-Za-z_]\w*/g) ?? []);
    const names = [...words].flatMap((w) => [w, ...(aliases.get(w) ?? [])]);
    for (const name of names) {
      for (const file of defs.get(name) ?? []) if (!seen.has(file)) { seen.add(file); queue.push(file); }
    }
  }
  return brFiles.filter((f) => seen.has(f));
}
