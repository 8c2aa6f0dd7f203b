// Dev kit: a throwaway PKI for tests, the demo (npm start), the bench and
// tools, built at run time with the openssl CLI, so no key material is
// committed and validity windows are always relative to "now".
//
// Everything is signed with `openssl ca` (not `x509 -req`) because OpenSSL 3.0's
// `x509 -req` cannot set an arbitrary notBefore; `ca -startdate/-enddate` can,
// which is what lets us mint not-yet-valid and already-expired certificates.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const OPENSSL = process.env.OPENSSL || '/usr/bin/openssl';

// genpkey arguments per supported key type.
const KEY_ARGS = {
  'ec-p256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'rsa-1024': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  'rsa-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'rsa-3072': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
  'rsa-4096': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  // above BearSSL's 4096-bit RSA limit (and quicker to generate than 8192):
  // 4160 bits overflow its certificate buffers, 4104 only its RSA code
  'rsa-4104': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4104'],
  'rsa-4160': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4160'],
};

// Keys that take seconds to generate are made once per process and shared.
const SLOW_KEYS = new Set(['rsa-4104', 'rsa-4160']);
const slowKeyPems = new Map();

function generateKey(key, keyPath, cwd) {
  if (SLOW_KEYS.has(key) && slowKeyPems.has(key)) return fs.writeFileSync(keyPath, slowKeyPems.get(key));
  openssl(['genpkey', ...KEY_ARGS[key], '-out', keyPath], cwd);
  if (SLOW_KEYS.has(key)) slowKeyPems.set(key, fs.readFileSync(keyPath));
}

function openssl(args, cwd) {
  // stdio piped so openssl's chatty stderr does not pollute test output;
  // on failure execFileSync throws with stderr attached.
  try {
    return execFileSync(OPENSSL, args, { cwd, stdio: 'pipe' });
  } catch (err) {
    const stderr = err.stderr ? err.stderr.toString() : '';
    throw new Error(`openssl ${args.join(' ')} failed:\n${stderr}`);
  }
}

// Time `days` from now in the GeneralizedTime form `openssl ca` accepts.
function opensslDate(days) {
  const d = new Date(Date.now() + days * 86400e3);
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

// Subject strings use '/' as RDN separator, so escape it in the CN.
const subj = (cn) => `/CN=${String(cn).replace(/([/\\])/g, '\\$1')}`;

// An entity able to sign certificates: the root or an intermediate.
class Issuer {
  constructor(pki, { certPem, keyPem, certPath, keyPath, chain }) {
    this.pki = pki;
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.derBuffer = new X509Certificate(certPem).raw;
    this.certPath = certPath;
    this.keyPath = keyPath;
    // Intermediate PEMs from this issuer up to (excluding) the root, so a
    // leaf's chainPem can be assembled without walking parents.
    this.chain = chain;
  }
  issueIntermediate(opts = {}) {
    return this.pki.issueIntermediate({ ...opts, issuer: this });
  }
  issueLeaf(opts = {}) {
    return this.pki.issueLeaf({ ...opts, issuer: this });
  }
}

export class Pki {
  constructor({ cn = 'microhttps Test Root', key = 'ec-p256', notBeforeDays = -1, notAfterDays = 3650 } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microhttps-pki-'));
    this.seq = 0;
    // One shared CA database for every issuer: `openssl ca` only needs it for
    // serial uniqueness; unique_subject=no lets us reuse CNs freely.
    fs.writeFileSync(path.join(this.dir, 'index.txt'), '');
    fs.writeFileSync(path.join(this.dir, 'serial'), '1000\n');
    fs.writeFileSync(path.join(this.dir, 'ca.cnf'), [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `database = ${path.join(this.dir, 'index.txt')}`,
      `serial = ${path.join(this.dir, 'serial')}`,
      `new_certs_dir = ${this.dir}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'email_in_dn = no',
      '[ policy_any ]',
      'commonName = optional',
      '',
    ].join('\n'));

    const ext = [
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
    ];
    this.root = new Issuer(this, {
      ...this.#sign({ cn, key, notBeforeDays, notAfterDays, ext, issuer: null }),
      chain: [],
    });
  }

  // Generates a key + CSR and signs it with `issuer` (null = self-signed).
  #sign({ cn, key, notBeforeDays, notAfterDays, ext, issuer, hash = 'sha256' }) {
    if (!KEY_ARGS[key]) throw new Error(`unknown key type ${key}`);
    const base = path.join(this.dir, `c${++this.seq}`);
    const [keyPath, csrPath, certPath, extPath] = ['.key', '.csr', '.pem', '.ext'].map((s) => base + s);
    generateKey(key, keyPath, this.dir);
    openssl(['req', '-new', '-key', keyPath, '-subj', subj(cn), '-out', csrPath], this.dir);
    fs.writeFileSync(extPath, `[ ext ]\n${ext.filter(Boolean).join('\n')}\n`);
    const signer = issuer ? ['-cert', issuer.certPath, '-keyfile', issuer.keyPath] : ['-selfsign', '-keyfile', keyPath];
    openssl([
      'ca', '-batch', '-notext', '-preserveDN', '-config', path.join(this.dir, 'ca.cnf'),
      ...signer, '-in', csrPath, '-out', certPath, '-md', hash,
      '-startdate', opensslDate(notBeforeDays), '-enddate', opensslDate(notAfterDays),
      '-extfile', extPath, '-extensions', 'ext',
    ], this.dir);
    return {
      certPem: fs.readFileSync(certPath, 'utf8'),
      keyPem: fs.readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
    };
  }

  issueIntermediate({ cn = `Test Intermediate ${this.seq + 1}`, key = 'ec-p256', notBeforeDays = -1, notAfterDays = 365, pathLen, issuer = this.root } = {}) {
    const ext = [
      `basicConstraints = critical,CA:TRUE${pathLen === undefined ? '' : `,pathlen:${pathLen}`}`,
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
    ];
    const signed = this.#sign({ cn, key, notBeforeDays, notAfterDays, ext, issuer });
    return new Issuer(this, { ...signed, chain: [signed.certPem, ...issuer.chain] });
  }

  issueLeaf({
    cn = 'localhost', dns = ['localhost'], ips = [], key = 'ec-p256',
    notBeforeDays = -1, notAfterDays = 30, issuer = this.root,
    eku = ['serverAuth'], hash = 'sha256', isCA = false, extraExt = '',
  } = {}) {
    const ext = [
      `basicConstraints = critical,CA:${isCA ? 'TRUE' : 'FALSE'}`,
      // RSA leaves may be used with static-RSA key exchange (keyEncipherment);
      // EC leaves only ever sign.
      `keyUsage = critical,digitalSignature${key.startsWith('rsa') ? ',keyEncipherment' : ''}${isCA ? ',keyCertSign' : ''}`,
      ...sanAndEku(dns, ips, eku),
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      extraExt,
    ];
    const { certPem, keyPem } = this.#sign({ cn, key, notBeforeDays, notAfterDays, ext, issuer, hash });
    return {
      certPem,
      keyPem,
      derBuffer: new X509Certificate(certPem).raw,
      chainPem: [certPem, ...issuer.chain].join(''),
    };
  }

  // A self-signed end-entity cert (not chained to root), e.g. for
  // "self signed certificate" rejection and pinning tests.
  selfSigned({ cn = 'localhost', dns = ['localhost'], ips = [], key = 'ec-p256', notBeforeDays = -1, notAfterDays = 30 } = {}) {
    const ext = [
      'basicConstraints = critical,CA:FALSE',
      `keyUsage = critical,digitalSignature${key.startsWith('rsa') ? ',keyEncipherment' : ''}`,
      ...sanAndEku(dns, ips, ['serverAuth']),
      'subjectKeyIdentifier = hash',
    ];
    const { certPem, keyPem } = this.#sign({ cn, key, notBeforeDays, notAfterDays, ext, issuer: null });
    return { certPem, keyPem, derBuffer: new X509Certificate(certPem).raw };
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// SAN and EKU lines; each extension is omitted entirely when its list is empty
// (an empty EKU means "no EKU extension", i.e. any usage).
function sanAndEku(dns, ips, eku) {
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)];
  return [
    san.length ? `subjectAltName = ${san.join(',')}` : '',
    eku.length ? `extendedKeyUsage = ${eku.join(',')}` : '',
  ];
}

export function makePki(opts) {
  return new Pki(opts);
}

// base64(sha256(SubjectPublicKeyInfo DER)) — the HPKP / pin-sha256 format.
export function spkiSha256Base64(certPem) {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
