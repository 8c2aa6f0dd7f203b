// Builds build/crypto-test[-scalar].wasm: our tls/crypto/ primitives and
// tls/tls13/ key schedule plus test/crypto/*.c (test-only exports) and the
// BearSSL code they name, so each primitive can be compared with Node's crypto directly. The
// production module never contains these exports. Built with and without
// -msimd128, like the full and portable profiles.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function bearsslRoot() {
  const out = execFileSync('sh', [join(root, 'tools', 'fetch-bearssl.sh'), join(root, 'build', 'bearssl')], { cwd: root, encoding: 'utf8' });
  const p = out.trim().split('\n').pop();
  return p.startsWith('/') ? p : join(root, p);
}

/** Compiles and instantiates the harness; simd picks the full or the portable flavour. */
export function loadCryptoHarness({ simd }) {
  const br = bearsslRoot();
  const cFilesIn = (dir) => readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => join(dir, f));
  const sources = [
    ...cFilesIn(join(root, 'tls', 'crypto')), ...cFilesIn(join(root, 'tls', 'tls13')),
    ...cFilesIn(join(root, 'test', 'crypto')), join(root, 'tls', 'libc', 'libc.c'),
    join(br, 'src', 'symcipher', 'chacha20_ct.c'), join(br, 'src', 'symcipher', 'poly1305_ctmul.c'),
    ...['aes_ct64.c', 'aes_ct64_enc.c', 'aes_ct64_ctr.c', 'aes_common.c'].map((f) => join(br, 'src', 'symcipher', f)),
    join(br, 'src', 'hash', 'ghash_ctmul64.c'), join(br, 'src', 'aead', 'gcm.c'),
    join(br, 'src', 'codec', 'dec32le.c'), join(br, 'src', 'codec', 'enc32le.c'),
    // BearSSL's ECDSA verification, for P-384 (p256_verify delegates) and as the reference
    ...['ecdsa_i31_vrfy_asn1', 'ecdsa_i31_vrfy_raw', 'ecdsa_i31_bits', 'ecdsa_atr', 'ec_p256_m31', 'ec_prime_i31',
      'ec_secp256r1', 'ec_secp384r1', 'ec_secp521r1'].map((f) => join(br, 'src', 'ec', `${f}.c`)),
    ...['add', 'bitlen', 'decmod', 'decode', 'decred', 'encode', 'fmont', 'iszero', 'modpow', 'montmul', 'muladd',
      'ninv31', 'rshift', 'sub', 'tmont'].map((f) => join(br, 'src', 'int', `i31_${f}.c`)),
    join(br, 'src', 'codec', 'ccopy.c'), join(br, 'src', 'int', 'i32_div32.c'),
    // SHA-2 and HMAC for the TLS 1.3 key schedule
    join(br, 'src', 'hash', 'sha2small.c'), join(br, 'src', 'hash', 'sha2big.c'), join(br, 'src', 'mac', 'hmac.c'),
    ...['dec32be', 'enc32be', 'dec64be', 'enc64be'].map((f) => join(br, 'src', 'codec', `${f}.c`)),
    // the RSA public operation under RSA-PSS, as the engine picks it (i31)
    join(br, 'src', 'rsa', 'rsa_default_pub.c'), join(br, 'src', 'rsa', 'rsa_i31_pub.c'), join(br, 'src', 'int', 'i31_modpow2.c'),
  ];
  mkdirSync(join(root, 'build'), { recursive: true });
  const output = join(root, 'build', simd ? 'crypto-test.wasm' : 'crypto-test-scalar.wasm');
  execFileSync(process.env.CLANG || 'clang', [
    '--target=wasm32', '-O2', '-ffreestanding', '-nostdlib', '-mbulk-memory', ...(simd ? ['-msimd128', '-fno-slp-vectorize', '-fno-vectorize'] : []),
    '-isystem', join(root, 'tls', 'libc', 'include'), '-I', join(br, 'inc'), '-I', join(br, 'src'), '-I', join(root, 'tls'), '-I', join(root, 'include'),
    '-DBR_INT128=0', '-DBR_UMUL128=0', '-Wl,--no-entry', '-Wl,--gc-sections', ...sources, '-o', output,
  ], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(output)), {});
  const mem = () => new Uint8Array(exports.memory.buffer, exports.ht_scratch(), 1 << 17);
  return { x: exports, mem };
}
