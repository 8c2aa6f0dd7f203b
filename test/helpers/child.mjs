// Runs a node script as a child process, asynchronously: the test's own
// servers live in this process, so a synchronous spawn would deadlock them.
import { execFile } from 'node:child_process';

/** Proxy variables are dropped so the child's behaviour depends on the test alone. */
function cleanEnv(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (/^(https?|no|all)_proxy$/i.test(name) || name === 'NODE_EXTRA_CA_CERTS') delete env[name];
  return { ...env, ...extra };
}

/**
 * node [nodeArgs...] <script> <args...>, resolved with { code, stdout, stderr } whatever the
 * exit status; killed after timeoutMs so a hung child fails the test instead
 * of hanging the run.
 */
export function runNode(script, args = [], { env = {}, nodeArgs = [], timeoutMs = 20_000, encoding = 'utf8' } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, script, ...args], { env: cleanEnv(env), timeout: timeoutMs, killSignal: 'SIGKILL', encoding, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${script} ${args.join(' ')}: ${err.killed ? `killed after ${timeoutMs} ms` : err.message}\nstderr: ${stderr}`));
        return;
      }
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
  });
}
