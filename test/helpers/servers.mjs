// Real loopback servers for integration tests. Every server listens on
// 127.0.0.1:0 (ephemeral port) and tracks its sockets so close() can destroy
// them: otherwise a keep-alive or half-open client connection keeps
// server.close() pending and the test run hangs.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

const HOST = '127.0.0.1';

// Listens, tracks raw TCP sockets, and returns the common handle.
async function listen(server, scheme) {
  const sockets = new Set();
  let connections = 0;
  // 'connection' fires with the underlying TCP socket for net, tls, http and
  // https servers alike; destroying it also tears down any TLS layer above.
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  return {
    server,
    port,
    url: `${scheme}://${HOST}:${port}`,
    get connections() {
      return connections;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// Client misbehaviour (resets, aborted handshakes) emits 'error' on
// server-side sockets; without a listener that would crash the test process.
const ignoreErrors = (socket) => socket.on('error', () => {});

export function startHttpsServer({ key, cert, handler = echoHandler, tlsOptions = {} }) {
  return listen(https.createServer({ key, cert, ...tlsOptions }, handler), 'https');
}

export function startHttpServer({ handler = echoHandler } = {}) {
  return listen(http.createServer(handler), 'http');
}

// Plain TCP: the test writes hand-crafted bytes on the socket.
export function startRawServer({ onConnection }) {
  const server = net.createServer((socket) => {
    ignoreErrors(socket);
    onConnection(socket);
  });
  return listen(server, 'tcp');
}

// TLS terminated by Node, then hand-crafted plaintext bytes (e.g. malformed
// HTTP responses) over the secure socket.
export function startTlsRawServer({ key, cert, onSecureConnection, tlsOptions = {} }) {
  const server = tls.createServer({ key, cert, ...tlsOptions }, (socket) => {
    ignoreErrors(socket);
    onSecureConnection(socket);
  });
  return listen(server, 'tls');
}

// Replies 200 with a JSON description of the request it received.
export function echoHandler(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
