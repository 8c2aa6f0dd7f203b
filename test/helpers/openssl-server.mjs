// Debian's `openssl s_server` as a real TLS 1.3 peer on 127.0.0.1, for the
// things Node's tls server cannot be made to do: a chosen number of tickets
// (-num_tickets N), no middlebox compatibility (-no_middlebox), KeyUpdate on
// demand (typing k or K on its stdin, in echo mode), and a HelloRetryRequest
// with a cookie (-stateless; but Debian's OpenSSL 3.0 s_server drops the
// connection right after sending it, in echo mode, and ignores -stateless in
// -www and -rev modes: see tls13-kit.test.mjs). Every start and stop is bounded in
// time; -msg output goes to a file that messages() parses, so a test can
// assert what went over the wire (a second ClientHello means a
// HelloRetryRequest happened).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const OPENSSL = process.env.OPENSSL || '/usr/bin/openssl';
const HOST = '127.0.0.1';
const START_MS = 10000;
const STOP_MS = 5000;
const BIND_TRIES = 3;
// echo: s_server's default body, which prints what the client sends and sends
// what is typed on stdin, and the only mode that takes the k/K commands.
const MODES = { www: ['-www'], rev: ['-rev'], echo: [] };

/** A port that was free a moment ago (s_server cannot listen on port 0 and say which port it got). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Writes the leaf's key, certificate and intermediates where s_server can read them. */
function writeLeaf(dir, leaf) {
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), chain: path.join(dir, 'chain.pem') };
  fs.writeFileSync(files.cert, leaf.certPem);
  fs.writeFileSync(files.key, leaf.keyPem);
  const intermediates = (leaf.chainPem ?? leaf.certPem).replace(leaf.certPem, '');
  const args = ['-cert', files.cert, '-key', files.key];
  if (intermediates.trim()) {
    fs.writeFileSync(files.chain, intermediates);
    args.push('-cert_chain', files.chain);
  }
  return args;
}

/** Resolves when text (all output so far) matches pattern, rejects after ms or when the process ends first. */
function waitForOutput(proc, read, pattern, ms, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = read().match(pattern);
      if (m) { done(); resolve(m); }
    };
    const ended = () => { done(); reject(new Error(`openssl s_server ended before ${what}:\n${read()}`)); };
    const timer = setTimeout(() => { done(); reject(new Error(`openssl s_server: no ${what} within ${ms} ms:\n${read()}`)); }, ms);
    const done = () => { clearTimeout(timer); proc.stdout.off('data', check); proc.stderr.off('data', check); proc.off('exit', ended); };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.once('exit', ended);
    check();
  });
}

/** The handshake-level lines of -msg output: direction, content type, message name, length. */
function parseMessages(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^(<<<|>>>) (?:\S+ [\d.]+|\?\?\?), (\w+)(?: \[length ([0-9a-f]+)\])?(?:, (.*))?$/);
    if (!m || m[2] === 'RecordHeader' || m[2] === 'InnerContent') continue;
    out.push({ sent: m[1] === '>>>', type: m[2], message: m[4] ?? m[2], length: m[3] ? parseInt(m[3], 16) : undefined });
  }
  return out;
}

async function spawnOnce(dir, { leaf, args, mode }) {
  const port = await freePort();
  const msgFile = path.join(dir, 'msg.txt'), keylogFile = path.join(dir, 'keylog.txt');
  const proc = spawn(OPENSSL, [
    's_server', '-accept', `${HOST}:${port}`, ...writeLeaf(dir, leaf), ...MODES[mode],
    '-msg', '-msgfile', msgFile, '-keylogfile', keylogFile, ...args,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  // s_server prints ACCEPT once it listens
  try {
    await waitForOutput(proc, () => output, /^ACCEPT$/m, START_MS, 'ACCEPT');
  } catch (err) {
    await stopProcess(proc);
    return { error: err, retry: /Address already in use|bind/i.test(output) };
  }
  return { proc, port, msgFile, keylogFile, read: () => output };
}

function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), STOP_MS);
    proc.once('exit', () => { clearTimeout(hard); resolve(); });
    proc.kill('SIGTERM');
  });
}

/**
 * Starts `openssl s_server` with the extra flags in args (e.g. ['-tls1_3',
 * '-groups', 'P-256', '-stateless', '-num_tickets', '2', '-no_middlebox',
 * '-ciphersuites', 'TLS_AES_128_GCM_SHA256']) serving leaf (a devkit/pki.mjs
 * leaf: certPem, keyPem, chainPem) in mode 'www' (GET / answers a status
 * page), 'rev' (echoes lines reversed) or 'echo' (prints what the client
 * sends; type() sends to the client; keyUpdate() works only here).
 */
export async function startOpensslServer({ leaf, args = [], mode = 'www' }) {
  if (!MODES[mode]) throw new Error(`unknown s_server mode ${mode}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microhttps-s_server-'));
  let started;
  for (let i = 0; i < BIND_TRIES && !started?.proc; i++) {
    started = await spawnOnce(dir, { leaf, args, mode });
    if (started.error && !started.retry) break;
  }
  if (!started.proc) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw started.error;
  }
  const { proc, port, msgFile, keylogFile, read } = started;
  const readFile = (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  return {
    port,
    host: HOST,
    url: `https://${HOST}:${port}`,
    /** Everything s_server printed so far (connection summaries, and in echo mode the client's data). */
    get output() { return read(); },
    /** Waits (bounded) until the output matches pattern; resolves with the match. */
    waitFor: (pattern, ms = START_MS) => waitForOutput(proc, read, pattern, ms, String(pattern)),
    /** Handshake messages, alerts and CCS seen so far, in order: { sent, type, message, length } (a HelloRetryRequest shows as a ServerHello). */
    messages: () => parseMessages(readFile(msgFile)),
    /** The -msgfile text as openssl wrote it (with -trace: every field of every message). */
    msgLog: () => readFile(msgFile),
    /** NSS key log lines, for Wireshark when a test fails. */
    keylog: () => readFile(keylogFile),
    /** Types text on s_server's stdin: in echo mode it goes to the client as application data (a line that is only k, K, r or R is a command, and text starting with q or Q ends the connection or the server). */
    type(text) { proc.stdin.write(text); },
    /**
     * Sends a KeyUpdate (requested: the client must answer with its own) and
     * resolves once s_server has sent it; echo mode, after the handshake. It
     * waits because s_server takes a command only when it is the whole of
     * one read from stdin: text typed right behind it would be swallowed.
     */
    async keyUpdate(requested = false) {
      if (mode !== 'echo') throw new Error('s_server takes k/K only in echo mode');
      // s_server's own note of it goes to a stdio buffer; the -msg file is flushed per message
      const sent = () => parseMessages(readFile(msgFile)).filter((m) => m.sent && m.message === 'KeyUpdate').length;
      const before = sent();
      proc.stdin.write(requested ? 'K\n' : 'k\n');
      for (let i = 0; i < 100 && sent() === before; i++) await new Promise((r) => setTimeout(r, 50));
      if (sent() === before) throw new Error(`openssl s_server did not send the KeyUpdate:\n${read()}`);
    },
    async stop() {
      await stopProcess(proc);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
