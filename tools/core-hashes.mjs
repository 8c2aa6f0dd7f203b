// The sha256 of each built core, as cores.sha256 lists them: sha256sum's
// format, so `sha256sum -c cores.sha256` checks a build without Node.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES } from './profiles.mjs';

export const HASH_FILE = 'cores.sha256';
export const UPDATE_COMMAND = 'npm run build -- --update-hashes';

/** { 'build/<core>.wasm': sha256 hex } for every profile's core under root. */
export function coreHashes(root) {
  return Object.fromEntries(PROFILES.map((p) => `build/${p.output}`)
    .map((file) => [file, createHash('sha256').update(readFileSync(join(root, file))).digest('hex')]));
}

export function formatHashes(hashes) {
  return Object.entries(hashes).map(([file, hash]) => `${hash}  ${file}\n`).join('');
}

/** The hashes a cores.sha256 text lists. */
export function parseHashes(text) {
  return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => {
    const [hash, file] = line.split(/ [ *]/);
    return [file, hash];
  }));
}
