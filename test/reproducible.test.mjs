// The built cores are the bytes cores.sha256 lists (docs/build.md): the
// pinned compiler gives the same bytes on every machine and in every folder.
// A change to the C or AssemblyScript sources changes them on purpose: then
// the command below rewrites the file, and the commit carries both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coreHashes, HASH_FILE, parseHashes, UPDATE_COMMAND } from '../tools/core-hashes.mjs';
import { pinnedLabel } from '../tools/clang.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const listed = parseHashes(readFileSync(join(root, HASH_FILE), 'utf8'));
const built = coreHashes(root);
const builtBy = existsSync(join(root, 'build', 'compiler')) ? readFileSync(join(root, 'build', 'compiler'), 'utf8') : 'unknown';

test(`${HASH_FILE} lists every core, and nothing else`, () => {
  assert.deepEqual(Object.keys(listed).sort(), Object.keys(built).sort());
});

for (const [file, hash] of Object.entries(built)) {
  test(`${file} is the bytes ${HASH_FILE} lists`, () => {
    const why = builtBy === pinnedLabel()
      ? `if you changed the C or AssemblyScript sources, run \`${UPDATE_COMMAND}\` and commit ${HASH_FILE}`
      : `it was built by ${builtBy}: only the pinned compiler (${pinnedLabel()}) gives the listed bytes; unset CLANG and run \`npm run build\``;
    assert.equal(hash, listed[file], `${file} (sha256 ${hash}) differs from ${HASH_FILE} (${listed[file]}): ${why}`);
  });
}

test('no path of this checkout is in a core', () => {
  for (const file of Object.keys(built)) {
    assert.equal(readFileSync(join(root, file)).includes(Buffer.from(root.replace(/\/$/, ''))), false, `${file} holds ${root}`);
  }
});
