// The npm tarball as a user gets it: `npm pack`, installed offline into an
// empty project (the package has no runtime dependencies and must not build
// anything there), imported by name, a GET with every core against a local
// HTTPS server, the `microhttps` bin, and a CONFIG error naming the core and
// its file when a core is missing or damaged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startHttpsServer } from './helpers/servers.mjs';
import { makePki } from '../devkit/pki.mjs';
import { runNode } from './helpers/child.mjs';
import { PROFILES } from '../tools/profiles.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const CORES = Object.fromEntries(PROFILES.map((p) => [p.name, p.output]));
let tmp, app, installed, pki, caFile, server;

/** npm with its cache in the temp folder, so the test neither reads nor fills the user's. */
async function npm(args, cwd) {
  const { stdout } = await promisify(execFile)('npm', [...args, '--cache', path.join(tmp, 'npm-cache'), '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_offline: 'true' } });
  return stdout;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'microhttps-pack-'));
  // the cores and dist/ are already built: packing must not rebuild them
  const [packed] = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root));
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await npm(['install', '--offline', path.join(tmp, packed.filename)], app);
  installed = path.join(app, 'node_modules', 'microhttps');
  pki = makePki();
  const leaf = pki.issueLeaf({ ips: ['127.0.0.1'] });
  caFile = path.join(pki.dir, 'ca.pem');
  fs.writeFileSync(caFile, pki.root.certPem);
  server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler: (req, res) => res.end(`hello from ${req.url}`) });
});
after(async () => {
  await server?.close();
  pki?.cleanup();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs an ES module in the app, as a user's code; { code, stdout, stderr }. */
function runInApp(name, source, args = []) {
  fs.writeFileSync(path.join(app, name), source);
  return runNode(path.join(app, name), args, { timeoutMs: 60_000 });
}

test('the tarball holds every core, cores.sha256 and dist/, and no build intermediates', () => {
  for (const file of [...Object.values(CORES).map((f) => `build/${f}`), 'cores.sha256', 'dist/index.js', 'dist/cli.js']) {
    assert.ok(fs.existsSync(path.join(installed, file)), `${file} missing from the installed package`);
  }
  assert.deepEqual(fs.readdirSync(path.join(installed, 'build')).sort(), Object.values(CORES).sort());
  assert.equal(pkg.dependencies, undefined, 'the package has no runtime dependencies');
  assert.deepEqual(fs.readdirSync(path.join(app, 'node_modules')).filter((d) => !d.startsWith('.')), ['microhttps']);
});

test('an installed copy runs a GET with every core, imported by name', async () => {
  const out = await runInApp('get.mjs', `
    import { readFileSync } from 'node:fs';
    import { get } from 'microhttps';
    const [url, caFile, ...cores] = process.argv.slice(2);
    for (const core of cores) {
      const r = await get(url + core, { core, ca: readFileSync(caFile, 'utf8') });
      console.log(core, r.status, await r.text());
    }`, [`https://127.0.0.1:${server.port}/`, caFile, ...Object.keys(CORES)]);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(out.stdout.trim().split('\n'), Object.keys(CORES).map((core) => `${core} 200 hello from /${core}`));
});

test('the installed microhttps bin fetches a URL', async () => {
  // run as a shell would: the bin's own #! line picks node
  const { stdout } = await promisify(execFile)(path.join(app, 'node_modules', '.bin', 'microhttps'),
    ['--ca', caFile, `https://127.0.0.1:${server.port}/bin`], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(stdout, 'hello from /bin');
});

test('a missing or damaged core is CONFIG naming the core and its file', async () => {
  const [missing, damaged] = ['small', 'portable'];
  fs.rmSync(path.join(installed, 'build', CORES[missing]));
  fs.writeFileSync(path.join(installed, 'build', CORES[damaged]), Buffer.from('\0asm\x01\0\0\0 truncated'));
  const out = await runInApp('broken.mjs', `
    import { get, MicroHttpsError } from 'microhttps';
    for (const core of process.argv.slice(3)) {
      try {
        await get(process.argv[2], { core });
        console.log(JSON.stringify({ core, ok: true }));
      } catch (err) {
        console.log(JSON.stringify({ core, isMicroHttps: err instanceof MicroHttpsError, code: err.code, message: err.message }));
      }
    }`, [`https://127.0.0.1:${server.port}/`, missing, damaged]);
  assert.equal(out.code, 0, out.stderr);
  const [gone, bad] = out.stdout.trim().split('\n').map((line) => JSON.parse(line));
  for (const [result, core, why] of [[gone, missing, /ENOENT/], [bad, damaged, /not a valid WebAssembly module/]]) {
    assert.equal(result.isMicroHttps, true, JSON.stringify(result));
    assert.equal(result.code, 'CONFIG');
    assert.ok(result.message.includes(`core ${core}`), result.message);
    assert.ok(result.message.includes(path.join(installed, 'build', CORES[core])), result.message);
    assert.match(result.message, why);
  }
});
