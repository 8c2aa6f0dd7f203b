// Quick local measurement (not a test, not the bench): full and resumed TLS
// handshakes per second through the core vs Node's tls.connect, against one
// Node https server (ECDSA P-256) in a worker thread with a session store.
//
//   node tools/measure-handshake.mjs [connections=100]
import https from 'node:https';
import tls from 'node:tls';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { get } from '../dist/index.js';
import { makePki } from '../test/helpers/pki.mjs';

const count = Number(process.argv[2] ?? 100);

if (!isMainThread) {
  const store = new Map();
  const server = https.createServer({ key: workerData.key, cert: workerData.cert, maxVersion: 'TLSv1.2' }, (req, res) => {
    res.setHeader('connection', 'close');
    res.end('ok');
  });
  server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.on('message', () => server.close(() => process.exit(0)));
}

async function rate(label, once) {
  await once(); // warm-up, and the session to resume
  const t0 = process.hrtime.bigint();
  let resumed = 0;
  for (let i = 0; i < count; i++) resumed += (await once()) ? 1 : 0;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, perSecond: count / s, resumed };
}

if (isMainThread) {
  const pki = makePki();
  const leaf = pki.issueLeaf({ dns: ['localhost'] });
  const worker = new Worker(new URL(import.meta.url), { workerData: { key: leaf.keyPem, cert: leaf.chainPem } });
  const port = await new Promise((r) => worker.once('message', r));
  const ca = pki.root.certPem;
  const lookup = async () => ({ address: '127.0.0.1' });
  const core = (sessionCache) => async () => {
    const res = await get(`https://localhost:${port}/`, { ca, lookup, sessionCache });
    await res.bytes();
    return res.tls.resumed;
  };
  let nodeSession;
  const node = (resume) => () => new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca, maxVersion: 'TLSv1.2', session: resume ? nodeSession : undefined }, () => {
      const reused = socket.isSessionReused();
      nodeSession = socket.getSession();
      socket.end('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      socket.resume();
      socket.on('close', () => resolve(reused));
    });
    socket.on('error', reject);
  });
  try {
    for (const r of [await rate('core full', core(false)), await rate('node full', node(false)),
      await rate('core resumed', core(true)), await rate('node resumed', node(true))]) {
      console.log(`${r.label}: ${r.perSecond.toFixed(0)} connections/s (${r.resumed}/${count} resumed)`);
    }
  } finally {
    worker.postMessage('close');
    pki.cleanup();
  }
}
