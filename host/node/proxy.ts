// HTTP proxies: a CONNECT tunnel for https:// and absolute-form requests for
// http://, with Basic proxy authentication. Environment variables are read
// only when the caller opts in (trustEnv), as curl and requests do.
import { connect as netConnect, type Socket } from 'node:net';
import { hostError } from './errors.js';

/** The proxy for a URL, or null. `proxy: false` disables; trustEnv reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
export function selectProxy(url: URL, proxy: string | URL | false | undefined, trustEnv: boolean): URL | null {
  if (proxy === false) return null;
  if (proxy !== undefined) return toProxyUrl(String(proxy));
  if (!trustEnv) return null;
  const env = process.env;
  const fromEnv = url.protocol === 'https:' ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy;
  if (!fromEnv || bypassed(url, env.NO_PROXY ?? env.no_proxy ?? '')) return null;
  return toProxyUrl(fromEnv);
}

/** Whether `text` is a proxy URL selectProxy accepts. */
export function isProxyUrl(text: string): boolean {
  try {
    toProxyUrl(text);
    return true;
  } catch {
    return false;
  }
}

function toProxyUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw hostError('CONFIG', `proxy "${text}" is not a URL (expected http://[user:pass@]host:port)`);
  }
  if (url.protocol !== 'http:') throw hostError('CONFIG', `proxy ${url.protocol}// is not supported (use an http:// proxy)`);
  return url;
}

/** NO_PROXY: "*", or host names / domain suffixes / IP addresses ([::1] for IPv6), optionally with a port. */
export function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.split(/[\s,]+/).filter(Boolean).some((entry) => {
    if (entry === '*') return true;
    // host, host:port, [v6], [v6]:port or a bare v6 address (its colons are not a port)
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry) ?? [entry, entry, undefined];
    const name = m[1].toLowerCase().replace(/^\*?\./, '');
    if (m[2] && m[2] !== port) return false;
    return host === name || host.endsWith(`.${name}`);
  });
}

export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const user = decodeURIComponent(proxy.username);
  const pass = decodeURIComponent(proxy.password);
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
}

/** Longest CONNECT response head we read before giving up on the proxy. */
const MAX_CONNECT_RESPONSE = 16384;

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw socket. */
export function tunnel(proxy: URL, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxyAuthorization(proxy);
  const head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port) || 80, noDelay: true });
    let received = Buffer.alloc(0);
    const fail = (err: Error) => { cleanup(); socket.destroy(); reject(err); };
    const timer = setTimeout(() => fail(hostError('TIMEOUT', `connect: proxy ${proxy.host} did not answer CONNECT within ${timeoutMs} ms`)), timeoutMs);
    const onError = (err: NodeJS.ErrnoException) => fail(hostError('CONNECT', `proxy ${proxy.host}: ${err.code ?? err.message}`, err));
    const onClose = () => fail(hostError('CONNECT', `proxy ${proxy.host} closed the connection during CONNECT`));
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_CONNECT_RESPONSE) fail(hostError('CONNECT', `proxy ${proxy.host} sent an oversized CONNECT response`));
        return;
      }
      const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
      if (!status || status[0] !== '2') {
        fail(hostError('CONNECT', `proxy ${proxy.host} refused CONNECT ${authority}: ${statusLine || 'malformed response'}`));
        return;
      }
      cleanup();
      const rest = received.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.pause(); // until the connection's pump takes over
      socket.off('data', onData).off('error', onError).off('close', onClose);
    };
    socket.on('data', onData).on('error', onError).on('close', onClose);
    socket.once('connect', () => socket.write(head));
  });
}
