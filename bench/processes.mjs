// The comparison method of the TLS-version rows (bench/https.bench.mjs) and
// the round-trip rows (bench/rtt.bench.mjs): every measurement runs one
// client in a fresh process (bench/client-child.mjs), rounds alternate the
// order of the clients, and each figure is the median over the rounds. The
// server (bench/server.mjs) is the same child process for every client.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { benchDir } from './harness.mjs';

export const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs one job in a new client process (with node options `execArgv`, e.g. --cpu-prof); resolves to its result. */
export function inChild(job, execArgv = []) {
  return new Promise((resolve, reject) => {
    const child = fork(join(benchDir, 'client-child.mjs'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reply;
    child.once('message', (m) => { reply = m; });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!reply) reject(new Error(`${job.client} (${job.workload}): the client process exited with code ${code} before answering`));
      else if (!reply.ok) reject(new Error(`${job.client} (${job.workload}): ${reply.error}`));
      else resolve(reply.result);
    });
    child.send(job);
  });
}

/**
 * Runs every job of `rows` ({ key, job, before?(), after?(result, client) })
 * for every client, `rounds` times: a round runs each row once per client,
 * the clients in one order in even rounds and reversed in odd ones. Resolves
 * to results[key][client] = [one result per round]; `after` may annotate a
 * result (e.g. with the server's count of resumed sessions).
 */
export async function interleaved(rows, clientNames, rounds, ca) {
  const results = Object.fromEntries(rows.map((r) => [r.key, Object.fromEntries(clientNames.map((n) => [n, []]))]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...clientNames].reverse() : clientNames;
    for (const row of rows) {
      for (const client of order) {
        const before = row.before ? await row.before() : undefined;
        const result = await inChild({ ...row.job, client, ca });
        if (row.after) await row.after(result, before);
        results[row.key][client].push(result);
      }
    }
  }
  return results;
}
