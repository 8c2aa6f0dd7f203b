// Run by bench/memory.bench.mjs in a fresh process (with --expose-gc), one
// per client and mode. 'idle': opens N keep-alive connections and closes
// them (warm-up), then opens N again and leaves them idle, and reports how
// much RSS and JS heap grew per connection over that second batch. 'requests':
// one keep-alive connection serves N sequential GETs; reports RSS after.
import { Pool } from 'undici';
import https from 'node:https';
import { Session } from '../dist/index.js';
import { coreInstantiations } from '../dist/core.js';

const lookup = async () => ({ address: '127.0.0.1', family: 4 });
const settle = () => new Promise((r) => setTimeout(r, 200));
/** RSS and JS heap after GC, once two RSS readings in a row agree within 64 KiB (at most 15 tries). */
const memory = async () => {
  let last = { rss: -Infinity, heapUsed: 0 };
  for (let i = 0; i < 15; i++) {
    globalThis.gc?.();
    await settle();
    const { rss, heapUsed } = process.memoryUsage();
    if (Math.abs(rss - last.rss) < 65536) return { rss, heapUsed };
    last = { rss, heapUsed };
  }
  return last;
};

/** Opens n idle keep-alive connections; returns { close, open: connections actually open }. */
async function openIdle(client, n, port, ca) {
  const path = '/bytes/16';
  if (client === 'microhttps') {
    // a Session, as users hold connections: idle ones wait in its pool (and park)
    const session = new Session({ ca, lookup, maxSockets: n, idleTimeout: 120_000 });
    await Promise.all(Array.from({ length: n }, async () => (await session.get(`https://localhost:${port}${path}`)).bytes()));
    return { open: session.idleConnections, close: () => session.close() };
  }
  if (client === 'node https') {
    const agent = new https.Agent({ keepAlive: true, maxSockets: Infinity, ca, servername: 'localhost' });
    await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    })));
    const open = Object.values(agent.freeSockets).reduce((s, l) => s + l.length, 0);
    return { open, close: async () => agent.destroy() };
  }
  if (client === 'undici') {
    const pool = new Pool(`https://127.0.0.1:${port}`, { connections: n, pipelining: 1, keepAliveTimeout: 120_000, connect: { ca, servername: 'localhost' } });
    await Promise.all(Array.from({ length: n }, async () => {
      const { body } = await pool.request({ path, method: 'GET' });
      for await (const _ of body);
    }));
    return { open: pool.stats.connected, close: () => pool.close() };
  }
  throw new Error(`unknown client ${client}`);
}

/** One keep-alive connection, n sequential GETs of 1 KiB: { get(), close() }. */
function oneConnection(client, port, ca) {
  const path = '/bytes/1024';
  if (client === 'microhttps') {
    const session = new Session({ ca, lookup, maxSockets: 1 });
    return { get: async () => (await session.get(`https://localhost:${port}${path}`)).bytes(), close: () => session.close() };
  }
  if (client === 'node https') {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca, servername: 'localhost' });
    const get = () => new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    });
    return { get, close: async () => agent.destroy() };
  }
  if (client === 'undici') {
    const pool = new Pool(`https://127.0.0.1:${port}`, { connections: 1, pipelining: 1, keepAliveTimeout: 120_000, connect: { ca, servername: 'localhost' } });
    return { get: async () => { const { body } = await pool.request({ path, method: 'GET' }); for await (const _ of body); }, close: () => pool.close() };
  }
  throw new Error(`unknown client ${client}`);
}

async function idleConnections({ client, n, port, ca }) {
  // a first batch, opened and closed, warms the client's code paths (and our pool)
  const warm = await openIdle(client, n, port, ca);
  await warm.close();
  const before = await memory();
  const instantiated = coreInstantiations();
  const idle = await openIdle(client, n, port, ca);
  const after = await memory();
  const instantiations = coreInstantiations() - instantiated;
  await idle.close();
  return {
    client, n, open: idle.open, rssBefore: before.rss, rssAfter: after.rss, perConnection: (after.rss - before.rss) / idle.open,
    heapPerConnection: (after.heapUsed - before.heapUsed) / idle.open, ...(client === 'microhttps' ? { instantiations } : {}),
  };
}

async function sequentialRequests({ client, n, port, ca }) {
  const conn = oneConnection(client, port, ca);
  const start = await memory();
  for (let i = 0; i < n; i++) await conn.get();
  const end = await memory();
  await conn.close();
  return { client, n, rssStart: start.rss, rssEnd: end.rss, heapEnd: end.heapUsed };
}

process.once('message', async (job) => {
  try {
    process.send(await (job.mode === 'requests' ? sequentialRequests(job) : idleConnections(job)));
  } catch (err) {
    process.send({ client: job.client, error: err.stack ?? String(err) });
  }
  process.exit(0);
});
