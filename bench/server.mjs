// The loopback servers every HTTPS workload talks to, run as a child of the
// bench (bench/harness.mjs starts it) so that clients and server do not share
// an event loop. Each listener speaks one TLS version only (TLS 1.2 ones and
// TLS 1.3 ones, with `13` in their names), so every client is measured on the
// same protocol. GET /bytes/N answers N bytes. The delaying proxies (proxy.mjs)
// run here too, in front of one TLS 1.2 and one TLS 1.3 listener.
import http from 'node:http';
import https from 'node:https';
import { delayingProxy, PROXY_DELAY_MS } from './proxy.mjs';

const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
const TLS13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
const CIPHER = {
  aes128gcm: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  chacha20: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
// Node takes TLS 1.3 suites in `ciphers` too (it has no `ciphersuites` option);
// AES-128-GCM, as in the TLS 1.2 row
const SUITE13 = {
  aes128gcm: 'TLS_AES_128_GCM_SHA256',
  chacha20: 'TLS_CHACHA20_POLY1305_SHA256',
};
const pattern = Buffer.alloc(1024 * 1024, 'microhttps bench body. ');
let resumedSessions = 0; // lets the bench check that "resumed" clients really resume
// per listener: handshakes, resumed ones, and the protocol versions and suites seen
const byPort = {};

function countHandshake(port, socket) {
  const c = (byPort[port] ??= { handshakes: 0, resumed: 0, protocols: {}, suites: {} });
  const suite = socket.getCipher().name;
  c.suites[suite] = (c.suites[suite] ?? 0) + 1;
  c.handshakes++;
  if (socket.isSessionReused()) {
    c.resumed++;
    resumedSessions++;
  }
  const p = socket.getProtocol();
  c.protocols[p] = (c.protocols[p] ?? 0) + 1;
}

function handler(req, res) {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resumedSessions, byPort }));
    return;
  }
  const m = /^\/bytes\/(\d+)$/.exec(req.url);
  if (!m) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  let left = Number(m[1]);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
  const pump = () => {
    while (left > 0) {
      const piece = pattern.subarray(0, Math.min(left, pattern.length));
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function listen(server) {
  // idle keep-alive connections must outlive the memory workload
  server.keepAliveTimeout = 120_000;
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

process.once('message', async ({ ecdsa, rsa }) => {
  // A session store, as a production server keeps one (nginx ssl_session_cache):
  // Node's server resumes TLS 1.2 session ids only with one, and session ids
  // are what BearSSL clients offer (Node's and undici's clients use tickets).
  const sessionStore = (server) => {
    const store = new Map();
    return server
      .on('newSession', (id, data, done) => { store.set(id.toString('hex'), data); done(); })
      .on('resumeSession', (id, done) => done(null, store.get(id.toString('hex')) ?? null));
  };
  // TLS 1.3 servers resume with tickets (PSK), Node's default; no store needed
  const tlsServer = (leaf, extra = {}) => {
    const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem, ...TLS12, ...extra }, handler);
    if (extra.maxVersion !== 'TLSv1.3') sessionStore(server);
    return server.on('secureConnection', (socket) => countHandshake(server.address().port, socket));
  };
  const ports = {
    plain: await listen(http.createServer(handler)),
    ecdsa: await listen(tlsServer(ecdsa)),
    rsa: await listen(tlsServer(rsa)),
    aes128gcm: await listen(tlsServer(ecdsa, { ciphers: CIPHER.aes128gcm })),
    chacha20: await listen(tlsServer(ecdsa, { ciphers: CIPHER.chacha20 })),
    ecdsa13: await listen(tlsServer(ecdsa, TLS13)),
    rsa13: await listen(tlsServer(rsa, TLS13)),
    aes128gcm13: await listen(tlsServer(ecdsa, { ...TLS13, ciphers: SUITE13.aes128gcm })),
    chacha13: await listen(tlsServer(ecdsa, { ...TLS13, ciphers: SUITE13.chacha20 })),
  };
  ports.delayed12 = (await delayingProxy(ports.ecdsa, PROXY_DELAY_MS)).port;
  ports.delayed13 = (await delayingProxy(ports.ecdsa13, PROXY_DELAY_MS)).port;
  process.send(ports);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
