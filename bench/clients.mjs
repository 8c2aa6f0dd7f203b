// The three HTTPS clients under comparison, behind one interface, all talking
// to bench/server.mjs on 127.0.0.1 with "localhost" as the TLS name:
//   fresh(port, path)     one request on a new connection (full handshake), closed after
//   keepAlive(port)       one connection reused: { get(path), close() }
//   resumed(port)         new connection per request, resuming the TLS session; null if unsupported
//   firstByte(port, resume)  { once(), close() }: once() opens a connection (with resume, offering
//                         the session cached by earlier calls, as the client normally does), sends a
//                         GET and resolves to the ms until the response head arrived, then drains and closes
// Every get resolves to the number of body bytes received.
import https from 'node:https';
import { Client } from 'undici';
import { Connection, clearSessions } from '../dist/index.js';
import { Event } from '../dist/generated/spec.js';

const HOST = '127.0.0.1';
const NAME = 'localhost';
const TIMEOUT = { connect: 30_000, read: 30_000 };

export function oursClient(ca) {
  /** One request on its own connection; sessionCache decides full handshake or resumption. */
  const once = async (port, path, { tls = true, sessionCache = false } = {}) => {
    const conn = await Connection.open({ host: HOST, port, tls, servername: NAME, ca, timeout: TIMEOUT, sessionCache });
    try {
      return await connectionGet(conn, port, path);
    } finally {
      await conn.close();
    }
  };
  return {
    name: 'microhttps',
    // a new connection and a full handshake per request (no pool, no session cache)
    fresh: (port, path, scheme = 'https') => once(port, path, { tls: scheme === 'https' }),
    async keepAlive(port, { tls = true, maxFragment, sessionCache, core } = {}) {
      const conn = await Connection.open({ host: HOST, port, tls, servername: NAME, ca, timeout: TIMEOUT, maxFragment, sessionCache, core });
      return { conn, get: (path) => connectionGet(conn, port, path), close: () => conn.close() };
    },
    resumed(port) {
      // a new connection per request offering the session cached for this origin
      clearSessions();
      return { get: (path) => once(port, path, { sessionCache: true }), close: async () => clearSessions() };
    },
    firstByte(port, resume) {
      clearSessions();
      const once = async () => {
        const t0 = performance.now();
        const conn = await Connection.open({ host: HOST, port, tls: true, servername: NAME, ca, timeout: TIMEOUT, sessionCache: resume });
        try {
          const ev = await conn.send({ method: 'GET', target: '/bytes/16', host: `${NAME}:${port}`, headers: [] });
          const ms = performance.now() - t0;
          if (ev !== Event.HEAD) throw new Error(`expected a head, got event ${ev}`);
          while ((await conn.next('body')) !== Event.DONE);
          return ms;
        } finally {
          await conn.close();
        }
      };
      return { once, close: async () => clearSessions() };
    },
  };
}

/** One request on an open Connection, body counted from the core's views. */
export async function connectionGet(conn, port, path) {
  const x = conn.core.x;
  let ev = await conn.send({ method: 'GET', target: path, host: `${NAME}:${port}`, headers: [] });
  if (ev !== Event.HEAD) throw new Error(`expected a head, got event ${ev}`);
  let n = 0;
  for (;;) {
    ev = await conn.next('body');
    if (ev === Event.BODY) n += x.mh_body_len();
    else if (ev === Event.DONE) return n;
    else if (ev !== Event.TRAILERS) throw new Error(`unexpected event ${ev}`);
  }
}

export function nodeClient(ca) {
  const get = (port, path, agent) => new Promise((resolve, reject) => {
    const req = https.get({ host: HOST, port, path, servername: NAME, ca, agent }, (res) => {
      let n = 0;
      res.on('data', (c) => { n += c.length; });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  const pooled = (agentOptions) => {
    const agent = new https.Agent({ ca, servername: NAME, ...agentOptions });
    return { agent, get: (path) => get(agent.port, path, agent), close: async () => agent.destroy() };
  };
  return {
    name: 'node https',
    fresh: (port, path) => get(port, path, false),
    async keepAlive(port) {
      const p = pooled({ keepAlive: true, maxSockets: Infinity });
      p.agent.port = port;
      return p;
    },
    resumed(port) {
      // a shared agent without keep-alive caches TLS sessions and resumes them
      const p = pooled({ keepAlive: false, maxCachedSessions: 100 });
      p.agent.port = port;
      return p;
    },
    firstByte(port, resume) {
      const agent = new https.Agent({ ca, servername: NAME, keepAlive: false, maxCachedSessions: resume ? 100 : 0 });
      const once = () => new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = https.get({ host: HOST, port, path: '/bytes/16', servername: NAME, ca, agent }, (res) => {
          const ms = performance.now() - t0;
          res.resume();
          res.on('end', () => resolve(ms));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      return { once, close: async () => agent.destroy() };
    },
  };
}

export function undiciClient(ca) {
  const origin = (port) => `https://${HOST}:${port}`;
  const get = async (client, path, reset = false) => {
    const { body } = await client.request({ path, method: 'GET', reset });
    let n = 0;
    for await (const chunk of body) n += chunk.length;
    return n;
  };
  return {
    name: 'undici',
    async fresh(port, path) {
      const client = new Client(origin(port), { connect: { ca, servername: NAME, maxCachedSessions: 0 } });
      try {
        return await get(client, path, true);
      } finally {
        await client.close();
      }
    },
    async keepAlive(port) {
      const client = new Client(origin(port), { connect: { ca, servername: NAME }, pipelining: 1, keepAliveTimeout: 120_000 });
      return { client, get: (path) => get(client, path), close: () => client.close() };
    },
    resumed(port) {
      // undici's connector caches sessions per origin; reset closes each connection after its request
      const client = new Client(origin(port), { connect: { ca, servername: NAME } });
      return { get: (path) => get(client, path, true), close: () => client.close() };
    },
    firstByte(port, resume) {
      const client = new Client(origin(port), { connect: { ca, servername: NAME, maxCachedSessions: resume ? 100 : 0 } });
      const once = async () => {
        const t0 = performance.now();
        const { body } = await client.request({ path: '/bytes/16', method: 'GET', reset: true });
        const ms = performance.now() - t0;
        for await (const _ of body);
        return ms;
      };
      return { once, close: () => client.close() };
    },
  };
}

export const allClients = (ca) => [oursClient(ca), nodeClient(ca), undiciClient(ca)];
