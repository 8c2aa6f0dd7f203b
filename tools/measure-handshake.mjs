// Quick local measurement (not a test, not the bench): full and resumed TLS
// handshakes per second through the core vs Node's tls.connect, against one
// Node https server (ECDSA P-256) with a session store, run in a child
// process so that this process's CPU time is the client's alone.
//
//   node tools/measure-handshake.mjs [connections=100]
import https from 'node:https';
import tls from 'node:tls';
import { fork } from 'node:child_process';
import { get } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';

const count = Number(process.argv[2] === '--server' ? 0 : process.argv[2] ?? 100);

const isServer = process.argv[2] === '--server';

if (isServer) {
  const { key, cert } = JSON.parse(process.argv[3]);
  const store = new Map();
  const server = https.createServer({ key, cert, maxVersion: 'TLSv1.2' }, (req, res) => {
    res.setHeader('connection', 'close');
    res.end('ok');
  });
  server.on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); });
  server.on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('message', () => process.exit(0));
}

async function rate(label, once) {
  await once(); // warm-up, and the session to resume
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let resumed = 0;
  for (let i = 0; i < count; i++) resumed += (await once()) ? 1 : 0;
  const cpu = process.cpuUsage(cpu0);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, perSecond: count / s, resumed, cpuMs: (cpu.user + cpu.system) / 1000 / count };
}

if (!isServer) {
  const pki = makePki();
  const leaf = pki.issueLeaf({ dns: ['localhost'] });
  const server = fork(new URL(import.meta.url), ['--server', JSON.stringify({ key: leaf.keyPem, cert: leaf.chainPem })]);
  const port = await new Promise((r) => server.once('message', r));
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
      console.log(`${r.label}: ${r.perSecond.toFixed(0)} connections/s, client CPU ${r.cpuMs.toFixed(2)} ms/connection (${r.resumed}/${count} resumed)`);
    }
  } finally {
    server.send('close');
    pki.cleanup();
  }
}
