// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each
// direction, so a connection through it has a round-trip time of twice that
// delay (a slow link, measured in round trips). Chunks keep their order: each
// one leaves `delayMs` after it arrived, and timers of equal delay fire in
// the order they were set. The upstream connection is opened when the client
// connects, so the TCP handshake itself is not delayed (as behind a proxy or
// a load balancer near the client); the bench counts round trips from the
// first byte the client sends.
import net from 'node:net';

export const PROXY_DELAY_MS = 40;

/** Forwards a's bytes to b, each chunk `delayMs` late; ends b when a ends. */
function delayedPipe(a, b, delayMs) {
  a.on('data', (chunk) => setTimeout(() => { if (!b.destroyed) b.write(chunk); }, delayMs));
  a.on('end', () => setTimeout(() => b.end(), delayMs));
  a.on('error', () => b.destroy());
  a.on('close', () => setTimeout(() => b.destroy(), delayMs));
}

/** Listens on an ephemeral port of 127.0.0.1 and proxies to `targetPort`; resolves to { port, close() }. */
export function delayingProxy(targetPort, delayMs) {
  const sockets = new Set();
  // half-open both ways: each side's end travels on its own, as without the proxy
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    delayedPipe(client, upstream, delayMs);
    delayedPipe(upstream, client, delayMs);
  });
  const close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(resolve);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close })));
}
