// Where a microhttps client spends its CPU in full handshakes (not a test,
// not the bench): runs the bench's `fresh` workload (a new connection and a
// 16-byte GET per handshake) in a client process of its own under Node's
// --cpu-prof, against a listener of bench/server.mjs, and sums the profile's
// self time per part: each wasm function by the object file that defines it
// (build/full/obj), JavaScript by where it lives. Build the core with names
// first, or wasm functions show up as numbers:
//
//   MH_KEEP_NAMES=1 MH_PROFILE=full CLANG=clang npm run build
//   node tools/profile-handshake.mjs [listener=ecdsa13] [handshakes=300]
//
// Listeners: ecdsa13, rsa13 (TLS 1.3), ecdsa, rsa (TLS 1.2).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPki, startServers, root } from '../bench/harness.mjs';
import { inChild } from '../bench/processes.mjs';
import { definingObjects } from './size-map.mjs';

// the first rule whose pattern matches a defining object file names the part
const WASM_PARTS = [
  [/ec_c25519|ec_p256_m|ec_all|ec_prime/, 'ECDHE: X25519 / P-256 key share and shared secret (BearSSL ec_*)'],
  [/p256_verify|ecdsa/, 'ECDSA P-256 verification (tls/crypto/p256_verify.c)'],
  [/rsa|_i31_|_i32_|_i62_|int_i/, 'RSA verification (BearSSL i31 modpow, our RSA-PSS)'],
  [/x509/, 'X.509 chain validation (br_x509_minimal, our policy)'],
  [/sha|hmac|hkdf|hash|md5|key_schedule|prf/, 'hashing: transcript, HKDF key schedule, Finished'],
  [/aes|ghash|gcm|chacha|poly1305|ccm|record/, 'record protection (AEAD)'],
  [/tls13|tls12|ssl_|core_|transport/, 'TLS engines and the core\'s glue (other C)'],
];
const STARTUP = /internal\/modules|internal\/bootstrap|compileSourceTextModule|wrapSafe|readFileUtf8/;
const SOCKET_CALLS = new Set(['writev', 'writeBuffer', 'internalConnect', 'close', 'shutdown', 'readStop', 'readStart', 'connect', 'getsockname', 'getpeername', 'setNoDelay', 'TCP']);

function wasmPart(name, objects) {
  const base = name.replace(/_\d+$/, ''); // wasm-merge renames clashing static functions name_N
  const files = objects.get(name) ?? objects.get(base);
  if (!files) return /^wasm-function\[/.test(name) ? 'wasm, unnamed (build with MH_KEEP_NAMES=1)' : 'HTTP layer and ABI (AssemblyScript)';
  for (const [pattern, part] of WASM_PARTS) if (files.some((f) => pattern.test(f))) return part;
  return 'other C';
}

function jsPart({ functionName, url }) {
  if (functionName === '(idle)') return null;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === 'Instance' || functionName === 'Memory') return 'WebAssembly.Instance (a new core per connection: connection.ts/core.ts)';
  if (STARTUP.test(url) || STARTUP.test(functionName)) return 'process start-up, module loading (not per handshake)';
  if (SOCKET_CALLS.has(functionName) && !url) return 'socket system calls (connect, write, close)';
  if (url.includes('/dist/')) return 'microhttps Node host (JS)';
  if (url.includes('undici') || url.includes('tinybench')) return 'process start-up, module loading (not per handshake)';
  if (functionName === '(program)') return 'V8, not attributed';
  return 'Node runtime (net, streams, timers, promises, crypto.randomFill)';
}

/** Self time per part (ms) from a .cpuprofile. */
function breakdown(profile, objects) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parts = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = nodes.get(profile.samples[i]).callFrame;
    const part = frame.url.startsWith('wasm://') ? wasmPart(frame.functionName, objects) : jsPart(frame);
    if (part) parts.set(part, (parts.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return parts;
}

async function main() {
  const listener = process.argv[2] ?? 'ecdsa13';
  const handshakes = Number(process.argv[3] ?? 300);
  const warmup = 5;
  const dir = mkdtempSync(join(tmpdir(), 'mh-prof-'));
  const pki = benchPki();
  const servers = await startServers(pki);
  let result;
  try {
    if (!(listener in servers.ports)) throw new Error(`unknown listener ${listener}; known: ${Object.keys(servers.ports).join(', ')}`);
    const job = { client: 'microhttps', workload: 'fresh', port: servers.ports[listener], path: '/bytes/16', warmup, maxOps: handshakes, ca: pki.ca };
    result = await inChild(job, ['--cpu-prof', '--cpu-prof-dir', dir]);
  } finally {
    await servers.stop();
    pki.cleanup();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const parts = breakdown(JSON.parse(readFileSync(join(dir, file), 'utf8')), definingObjects(join(root, 'build', 'full', 'obj')));
  rmSync(dir, { recursive: true, force: true });
  const n = handshakes + warmup;
  const perHandshake = [...parts].filter(([p]) => !p.startsWith('process start-up')).sort((a, b) => b[1] - a[1]);
  const total = perHandshake.reduce((s, [, ms]) => s + ms, 0);
  console.log(`${handshakes} full handshakes (+${warmup} warm-up) against ${listener}: ${(handshakes / (result.wallMs / 1000)).toFixed(1)}/s, ` +
    `client CPU ${(result.cpuMs / handshakes).toFixed(2)} ms per handshake (process.cpuUsage); profile self time per handshake:`);
  for (const [part, ms] of perHandshake) console.log(`${(ms / n).toFixed(3).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${part}`);
  console.log(`${(total / n).toFixed(3).padStart(8)} ms          in all (start-up excluded: ${((parts.get('process start-up, module loading (not per handshake)') ?? 0)).toFixed(0)} ms once)`);
}

main().catch((err) => {
  console.error(err.stack ?? err);
  process.exitCode = 1;
});
