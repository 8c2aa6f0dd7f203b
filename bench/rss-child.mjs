// Run by bench/memory.bench.mjs in a fresh process (with --expose-gc), one
// per client: opens N keep-alive connections, leaves them idle, and reports
// how much the process's resident set grew per connection.
import { Pool } from 'undici';
import https from 'node:https';
import { oursClient } from './clients.mjs';

const settle = () => new Promise((r) => setTimeout(r, 200));
/** RSS after GC, once two readings in a row agree within 64 KiB (at most 15 tries). */
const rss = async () => {
  let last = -Infinity;
  for (let i = 0; i < 15; i++) {
    globalThis.gc?.();
    await settle();
    const now = process.memoryUsage().rss;
    if (Math.abs(now - last) < 65536) return now;
    last = now;
  }
  return last;
};

/** Opens n idle keep-alive connections; returns { close, open: connections actually open }. */
async function openIdle(client, n, port, ca) {
  const path = '/bytes/16';
  if (client === 'microhttps') {
    const ours = oursClient(ca);
    const conns = [];
    for (let i = 0; i < n; i++) {
      const k = await ours.keepAlive(port);
      await k.get(path);
      conns.push(k);
    }
    return { open: conns.length, close: () => Promise.all(conns.map((k) => k.close())) };
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

process.once('message', async ({ client, n, port, ca }) => {
  try {
    // warm up the client's code paths with a few connections first, so that the
    // difference counts connections, not module loading
    const warm = await openIdle(client, 5, port, ca);
    await warm.close();
    const before = await rss();
    const idle = await openIdle(client, n, port, ca);
    const after = await rss();
    await idle.close();
    process.send({ client, n, open: idle.open, rssBefore: before, rssAfter: after, perConnection: (after - before) / idle.open });
  } catch (err) {
    process.send({ client, error: err.stack ?? String(err) });
  }
  process.exit(0);
});
