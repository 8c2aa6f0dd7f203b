// The least memory an HTTPS GET needs: the `small` core, 1 KiB TLS records
// (RFC 6066 Maximum Fragment Length), and a session kept for the next run,
// as a board would keep it in flash. Prints what the core used.
// Usage: node examples/small-core.mjs [URL] [SESSION_FILE]
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { get } from '../dist/index.js';

const url = process.argv[2] ?? 'https://example.org/';
const sessionFile = process.argv[3];

const res = await get(url, {
  core: 'small', // one 64 KiB page of linear memory; fewer suites (docs/memory.md)
  maxFragment: 1024, // a 1,349-byte record buffer instead of 16,709, if the server agrees
  session: sessionFile && existsSync(sessionFile) ? readFileSync(sessionFile) : undefined,
  timeout: 10_000,
});
const body = await res.bytes();
// the session holds the master secret: keep it where only you can read it
if (sessionFile && res.tls.session) writeFileSync(sessionFile, res.tls.session, { mode: 0o600 });

const m = res.memory;
console.log(`${res.status} ${res.reason}, ${body.length} bytes, ${res.tls.cipher}, resumed: ${res.tls.resumed}, records: ${res.tls.maxFragment ?? 16384} bytes`);
console.log(`core memory used: ${m.USED_PEAK} bytes (static ${m.STATIC_DATA}, stack peak ${m.STACK_PEAK}, buffers ${m.ARENA_USED}) of ${m.HEAP_BASE}`);
