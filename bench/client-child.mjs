// One client, one workload, in a process of its own (forked by
// bench/processes.mjs): the client's CPU time is its own, and no client
// inherits another's JIT state, heap or garbage. The job arrives over IPC;
// the result goes back the same way and the process exits.
//   { client, workload, port, path, warmup, timeMs?, maxOps, resume }
// workloads: fresh (a new connection per request), resumed (a new connection
// per request, resuming), keepAlive (one connection), firstByte (ms to the
// response head on a new connection; `resume` offers the cached session).
import { allClients } from './clients.mjs';

/** Runs op() `warmup` times, then until timeMs has passed (at least once, at most maxOps; no timeMs: maxOps times). */
async function loop(op, { warmup, timeMs, maxOps }) {
  for (let i = 0; i < warmup; i++) await op();
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    const t = performance.now();
    await op();
    latencies.push(performance.now() - t);
  } while (latencies.length < maxOps && (timeMs === undefined || performance.now() - t0 < timeMs));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ops: latencies.length, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, latencies };
}

async function run({ client: name, workload, port, path, warmup, timeMs, maxOps, resume, ca }) {
  const c = allClients(ca).find((x) => x.name === name);
  if (!c) throw new Error(`unknown client ${name}`);
  const bounds = { warmup, timeMs, maxOps };
  if (workload === 'fresh') return loop(() => c.fresh(port, path), bounds);
  if (workload === 'firstByte') {
    const fb = c.firstByte(port, resume);
    const samples = [];
    try {
      for (let i = 0; i < warmup; i++) await fb.once();
      for (let i = 0; i < maxOps; i++) samples.push(await fb.once());
    } finally {
      await fb.close();
    }
    return { ops: samples.length, samples };
  }
  const session = workload === 'resumed' ? c.resumed(port) : await c.keepAlive(port);
  try {
    return await loop(() => session.get(path), bounds);
  } finally {
    await session.close();
  }
}

process.once('message', async (job) => {
  let reply;
  try {
    reply = { ok: true, result: await run(job) };
  } catch (err) {
    reply = { ok: false, error: err.stack ?? String(err) };
  }
  // a client's idle sockets or timers must not keep the process (and the bench) waiting
  process.send(reply, () => process.exit(0));
});
