// Builds build/crypto-test/<flavour>-<key>.wasm: our tls/crypto/ primitives
// and tls/tls13/ key schedule plus test/crypto/*.c (test-only exports) and
// the BearSSL code they name, so each primitive can be compared with Node's crypto directly.
// The production module never contains these exports. Built with and without
// -msimd128, like the full and portable profiles, by the build's compiler
// (tools/clang.mjs: the pinned one unless CLANG is set).
//
// The compiler is asynchronous and the tests load the harness synchronously,
// so loadCryptoHarness runs this file as a script, which builds the harness
// unless a build of the same inputs exists (key: a hash of the compiler,
// flags and every source and header) and prints its path.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = fileURLToPath(import.meta.url);

/** Compiles (once per inputs) and instantiates the harness; simd picks the full or the portable flavour. */
export function loadCryptoHarness({ simd }) {
  const file = execFileSync(process.execPath, [here, simd ? 'simd' : 'scalar'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim().split('\n').pop();
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {});
  const mem = () => new Uint8Array(exports.memory.buffer, exports.ht_scratch(), 1 << 17);
  return { x: exports, mem };
}

function bearsslRoot() {
  const out = execFileSync('sh', [join(root, 'tools', 'fetch-bearssl.sh'), join(root, 'build', 'bearssl')], { cwd: root, encoding: 'utf8' });
  const p = out.trim().split('\n').pop();
  return p.startsWith('/') ? p : join(root, p);
}

/** The .c files of a folder of the checkout, sorted, as paths relative to the root. */
const cFilesIn = (dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.c')).sort().map((f) => `${dir}/${f}`);

/** The harness's C sources, mount-relative (tools/clang.mjs). */
function harnessSources() {
  const br = (dir, names) => names.map((f) => `bearssl/src/${dir}/${f}.c`);
  return [
    ...cFilesIn('tls/crypto'), ...cFilesIn('tls/tls13').filter((f) => f.endsWith('/key_schedule.c')),
    ...cFilesIn('test/crypto').map((f) => f.replace('test/crypto/', 'harness/')), 'tls/libc/libc.c',
    ...br('symcipher', ['chacha20_ct', 'poly1305_ctmul', 'aes_ct64', 'aes_ct64_enc', 'aes_ct64_ctr', 'aes_common']),
    ...br('hash', ['ghash_ctmul64']), ...br('aead', ['gcm']), ...br('codec', ['dec32le', 'enc32le', 'ccopy']),
    // BearSSL's ECDSA verification, for P-384 (p256_verify delegates) and as the reference
    ...br('ec', ['ecdsa_i31_vrfy_asn1', 'ecdsa_i31_vrfy_raw', 'ecdsa_i31_bits', 'ecdsa_atr', 'ec_p256_m31', 'ec_prime_i31',
      'ec_secp256r1', 'ec_secp384r1', 'ec_secp521r1']),
    ...br('int', ['i31_add', 'i31_bitlen', 'i31_decmod', 'i31_decode', 'i31_decred', 'i31_encode', 'i31_fmont', 'i31_iszero',
      'i31_modpow', 'i31_montmul', 'i31_muladd', 'i31_ninv31', 'i31_rshift', 'i31_sub', 'i31_tmont', 'i32_div32']),
    // SHA-2 and HMAC for the TLS 1.3 key schedule
    ...br('hash', ['sha2small', 'sha2big']), ...br('mac', ['hmac']), ...br('codec', ['dec32be', 'enc32be', 'dec64be', 'enc64be']),
    // PKCS#1 v1.5 unpadding under rsa_public's verifier; BearSSL's i31 public
    // operation, the reference (and the engine's choice before ours)
    ...br('rsa', ['rsa_pkcs1_sig_unpad', 'rsa_i31_pub']), ...br('int', ['i31_modpow2']),
  ];
}

/** A hash of everything the harness's bytes depend on. */
function inputsKey(label, flags, sources, mounts) {
  const h = createHash('sha256').update(`${label}\n${flags.join(' ')}\n`);
  const file = (rel) => join(mounts[rel.split('/')[0]], rel.slice(rel.indexOf('/') + 1));
  const headers = ['tls', 'include', 'harness'].flatMap((m) => readdirSync(mounts[m], { recursive: true })
    .filter((f) => f.endsWith('.h')).sort().map((f) => `${m}/${f}`));
  for (const rel of [...sources, ...headers]) h.update(`${rel}\n`).update(readFileSync(file(rel)));
  return h.digest('hex').slice(0, 16);
}

/** Builds the flavour's harness unless it exists; prints its path. */
async function buildHarness(flavour) {
  const { compilerLabel, openCompiler } = await import('../../tools/clang.mjs');
  const mounts = { bearssl: bearsslRoot(), tls: join(root, 'tls'), include: join(root, 'include'), harness: join(root, 'test', 'crypto') };
  const sources = harnessSources();
  const outDir = join(root, 'build', 'crypto-test');
  mkdirSync(outDir, { recursive: true });
  const flags = ['--target=wasm32', '-O2', '-ffreestanding', '-nostdlib', '-mbulk-memory',
    ...(flavour === 'simd' ? ['-msimd128', '-fno-slp-vectorize', '-fno-vectorize'] : []),
    '-isystem', 'tls/libc/include', '-I', 'bearssl/inc', '-I', 'bearssl/src', '-I', 'tls', '-I', 'include',
    '-DBR_INT128=0', '-DBR_UMUL128=0'];
  const name = `${flavour}-${inputsKey(compilerLabel(), flags, sources, mounts)}.wasm`;
  const output = join(outDir, name);
  if (!readdirSync(outDir).includes(name)) {
    // older builds of this flavour are stale
    for (const f of readdirSync(outDir)) if (f.startsWith(`${flavour}-`)) rmSync(join(outDir, f), { recursive: true });
    const objDir = join(outDir, `${flavour}-obj`);
    mkdirSync(objDir, { recursive: true });
    const objects = sources.map((s) => join(objDir, s.replace(/\//g, '_').replace(/\.c$/, '.o')));
    const cc = await openCompiler({ mounts, workDir: outDir });
    try {
      await Promise.all(sources.map((s, i) => cc.compile(flags, s, objects[i])));
      await cc.link(['--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-Wl,--gc-sections'], objects, output);
    } finally {
      await cc.close();
    }
    rmSync(objDir, { recursive: true });
  }
  console.log(output);
}

// `node --test test/` also runs this file, with no flavour: then it does nothing
if (process.argv[1] === here && ['simd', 'scalar'].includes(process.argv[2])) {
  buildHarness(process.argv[2]).catch((err) => {
    console.error(`crypto harness: ${err.message}`);
    process.exit(1);
  });
}
