// Quick local measurement (not a test, not the bench): bulk download MB/s
// through the core vs Node's https, one cipher suite at a time, against the
// same Node https server on 127.0.0.1 (ECDSA P-256 certificate). The server
// runs in a worker thread, so its encryption is not billed to the client.
//
//   node tools/measure-bulk.mjs [MiB=32] [rounds=3]
//
// Prints the best of `rounds` for each client (loopback numbers are noisy:
// other processes on the machine move them by 10-20 %), and for the core
// also the rate counting only the time spent inside wasm calls (crypto,
// record layer, HTTP): the rest is the host loop and waiting for the socket.
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Connection } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';

const MiB = Number(process.argv[2] ?? 32);
const rounds = Number(process.argv[3] ?? 3);
const SUITES = { 'ECDHE-ECDSA-CHACHA20-POLY1305': 'chacha20-poly1305', 'ECDHE-ECDSA-AES128-GCM-SHA256': 'aes-128-gcm' };
const bodyBytes = MiB << 20;

if (!isMainThread) {
  // the server thread: one random body, served to every request
  const { key, cert, ciphers } = workerData;
  const body = randomBytes(bodyBytes);
  const server = https.createServer({ key, cert, ciphers, maxVersion: 'TLSv1.2' }, (req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.on('message', () => server.close(() => process.exit(0)));
}

async function serve(ciphers, leaf) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { key: leaf.keyPem, cert: leaf.chainPem, ciphers }, argv: process.argv.slice(2) });
  const port = await new Promise((r) => worker.once('message', r));
  return { port, close: () => new Promise((r) => { worker.once('exit', r); worker.postMessage('close'); }) };
}

/** Wraps the core's exports to add up the time spent inside wasm. */
function timeWasm(core) {
  const raw = core.x;
  const clock = { ns: 0n };
  const wrapped = {};
  for (const [name, value] of Object.entries(raw)) {
    wrapped[name] = typeof value !== 'function' ? value : (...args) => {
      const t = process.hrtime.bigint();
      try { return value(...args); } finally { clock.ns += process.hrtime.bigint() - t; }
    };
  }
  core.x = wrapped;
  return clock;
}

async function viaCore(port, ca) {
  const conn = await Connection.open({ host: 'localhost', port, tls: true, ca, lookup: async () => ({ address: '127.0.0.1' }), timeout: { connect: 10000, read: 10000 } });
  const wasm = timeWasm(conn.core);
  const t0 = process.hrtime.bigint();
  let ev = await conn.send({ method: 'GET', target: '/', host: 'localhost', headers: [] });
  let n = 0;
  while ((ev = await conn.next('body')) !== 7) n += conn.core.x.mh_body_len();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await conn.close();
  if (n !== bodyBytes) throw new Error(`core got ${n} bytes`);
  return { mbps: n / 2 ** 20 / s, wasmMbps: n / 2 ** 20 / (Number(wasm.ns) / 1e9), cipher: conn.tlsInfo.cipher };
}

function viaNode(port, ca) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    https.get({ host: '127.0.0.1', servername: 'localhost', port, ca, path: '/', agent: false }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => {
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        resolve({ mbps: n / 2 ** 20 / s, cipher: res.socket.getCipher().name });
      });
    }).on('error', reject);
  });
}

if (isMainThread) {
const pki = makePki();
const leaf = pki.issueLeaf({ dns: ['localhost'] });
try {
  for (const [ciphers, label] of Object.entries(SUITES)) {
    const server = await serve(ciphers, leaf);
    const { port } = server;
    let core = { mbps: 0 }, node = 0;
    for (let i = 0; i < rounds; i++) {
      const c = await viaCore(port, pki.root.certPem);
      if (c.mbps > core.mbps) core = c;
      node = Math.max(node, (await viaNode(port, pki.root.certPem)).mbps);
    }
    console.log(`${label}: core ${core.mbps.toFixed(1)} MB/s (inside wasm: ${core.wasmMbps.toFixed(0)} MB/s), node ${node.toFixed(1)} MB/s, ` +
      `ratio ${(core.mbps / node).toFixed(2)}x  (${MiB} MiB, best of ${rounds})`);
    await server.close();
  }
} finally {
  pki.cleanup();
}
}
