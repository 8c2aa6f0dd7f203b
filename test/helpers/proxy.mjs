// A small HTTP proxy for tests, on 127.0.0.1: CONNECT tunnels (for https://)
// and absolute-form forwarding (for http://), optional Basic proxy
// authentication, and counters of what it did. It only ever connects to
// 127.0.0.1: any other target is refused with 403.
import http from 'node:http';
import net from 'node:net';
import { startHttpServer } from './servers.mjs';

/**
 * startProxy({ auth: 'user:pass', names: ['api.example.test'] }) -> { port, url, stats, close() }.
 * Targets 127.0.0.1, localhost and the extra `names` all connect to 127.0.0.1.
 * stats: { connects, forwards, refused } counts and `requests`, one
 * { kind, target, authorization } per request received, in order.
 */
export async function startProxy({ auth, names = [] } = {}) {
  const loopbackNames = new Set(['127.0.0.1', 'localhost', ...names]);
  const stats = { connects: 0, forwards: 0, refused: 0, requests: [] };
  const upstreams = new Set();
  const expected = auth ? `Basic ${Buffer.from(auth).toString('base64')}` : undefined;
  const authorized = (req) => !expected || req.headers['proxy-authorization'] === expected;
  const track = (socket) => {
    upstreams.add(socket);
    socket.on('close', () => upstreams.delete(socket));
    socket.on('error', () => {});
    return socket;
  };

  // absolute-form requests: GET http://host:port/path HTTP/1.1
  const forward = (req, res) => {
    stats.requests.push({ kind: 'forward', target: req.url, authorization: req.headers['proxy-authorization'] });
    if (!authorized(req)) {
      stats.refused++;
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"', 'content-type': 'text/plain' });
      res.end('proxy authentication required');
      return;
    }
    let target;
    try {
      target = new URL(req.url);
    } catch {
      target = null;
    }
    if (!target || target.protocol !== 'http:' || !loopbackNames.has(target.hostname)) {
      stats.refused++;
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('this proxy only forwards absolute http:// URLs to 127.0.0.1');
      return;
    }
    stats.forwards++;
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: '127.0.0.1', port: target.port || 80, method: req.method, path: `${target.pathname}${target.search}`, headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('socket', track);
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const handle = await startHttpServer({ handler: forward });
  handle.server.on('connect', (req, client, head) => {
    stats.requests.push({ kind: 'connect', target: req.url, authorization: req.headers['proxy-authorization'] });
    client.on('error', () => {});
    if (!authorized(req)) {
      stats.refused++;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url);
    if (!m || !loopbackNames.has(m[1])) {
      stats.refused++;
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    stats.connects++;
    const upstream = track(net.connect(Number(m[2]), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    }));
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  return {
    port: handle.port,
    url: `http://127.0.0.1:${handle.port}`,
    stats,
    close() {
      for (const s of upstreams) s.destroy();
      return handle.close();
    },
  };
}
