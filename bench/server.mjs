// The loopback servers every HTTPS workload talks to, run as a child of the
// bench (bench/harness.mjs starts it) so that clients and server do not share
// an event loop. TLS 1.2 only, because that is what microhttps speaks: every
// client is measured on the same protocol. GET /bytes/N answers N bytes.
import http from 'node:http';
import https from 'node:https';

const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
const CIPHER = {
  aes128gcm: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  chacha20: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
const pattern = Buffer.alloc(1024 * 1024, 'microhttps bench body. ');
let resumedSessions = 0; // lets the bench check that "resumed" clients really resume

function handler(req, res) {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resumedSessions }));
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
  const tlsServer = (leaf, extra = {}) => sessionStore(https.createServer({ key: leaf.keyPem, cert: leaf.certPem, ...TLS12, ...extra }, handler))
    .on('secureConnection', (socket) => { if (socket.isSessionReused()) resumedSessions++; });
  const ports = {
    plain: await listen(http.createServer(handler)),
    ecdsa: await listen(tlsServer(ecdsa)),
    rsa: await listen(tlsServer(rsa)),
    aes128gcm: await listen(tlsServer(ecdsa, { ciphers: CIPHER.aes128gcm })),
    chacha20: await listen(tlsServer(ecdsa, { ciphers: CIPHER.chacha20 })),
  };
  process.send(ports);
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
