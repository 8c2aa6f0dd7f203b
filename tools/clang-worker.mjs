// One job of tools/clang.mjs's pinned compiler: runs @yowasp/clang over a
// virtual file system of the mounts (read once, C sources and headers only)
// plus the request's objects, and answers with the output file's bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { runClang, runLLVM } from '@yowasp/clang';

/** The .c and .h files below dir as a tree of { name: subtree | bytes }. */
function sourceTree(dir) {
  const tree = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) tree[entry.name] = sourceTree(join(dir, entry.name));
    else if (/\.[ch]$/.test(entry.name)) tree[entry.name] = readFileSync(join(dir, entry.name));
  }
  return tree;
}

/** Places subtree at a slash-separated path in tree. */
function mount(tree, path, subtree) {
  const parts = path.split('/');
  const last = parts.pop();
  for (const part of parts) tree = tree[part] ??= {};
  tree[last] = subtree;
}

// loads the compiler's files once, quietly (the default prints progress)
const ready = runLLVM(null, {}, { fetchProgress: () => {} });
const sources = {};
for (const [name, dir] of Object.entries(workerData.mounts)) mount(sources, name, sourceTree(dir));

/** Runs runner (runLLVM or runClang) capturing its messages; its file tree and messages, or an Error with them. */
async function captured(runner, args, files) {
  const messages = [];
  const collect = (bytes) => { if (bytes) messages.push(Buffer.from(bytes)); };
  const text = () => Buffer.concat(messages).toString('utf8');
  try {
    const tree = await runner(args, files, { stdout: collect, stderr: collect, decodeASCII: false });
    return { tree, messages: text() };
  } catch (err) {
    throw new Error(`${text()}${args[0]} ${args[1]} failed: ${err.code !== undefined ? `exit ${err.code}` : err.message}`);
  }
}

const runTool = (args, files) => captured(runLLVM, args, files);

/** The commands the clang driver would run (`clang -###`), as argument lists. */
async function driverCommands(args, files) {
  const { messages } = await runTool(['clang', '-###', ...args], files);
  return messages.split('\n').filter((line) => line.startsWith(' "'))
    .map((line) => [...line.matchAll(/ "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1')))
    .map((command) => (command[0] === '' ? command.slice(1) : command));
}

// The driver's commands for a compile depend on the flags, not on the file:
// ask the driver once per flag set, then run the compiler proper directly
// (each run instantiates the compiler, so this halves the work per file).
const compileCommands = new Map();
const SRC = '\0src';

async function compile({ flags, src, output }) {
  const key = JSON.stringify(flags);
  if (!compileCommands.has(key)) {
    const commands = await driverCommands([...flags, '-c', src, '-o', output], sources);
    if (commands.length !== 1) throw new Error(`clang -### gave ${commands.length} commands for one compile`);
    compileCommands.set(key, commands[0].map((a, i, all) => (a === src ? SRC : all[i - 1] === '-main-file-name' ? `${SRC}name` : a)));
  }
  const command = compileCommands.get(key).map((a) => (a === SRC ? src : a === `${SRC}name` ? basename(src) : a));
  return runTool(command, sources);
}

/** Links through the package's own driver emulation: two links per core, so its cost does not matter. */
function link({ args, objects }) {
  return captured(runClang, ['clang', ...args], { ...sources, obj: objects });
}

parentPort.on('message', async (request) => {
  try {
    await ready;
    const { tree, messages } = await (request.kind === 'link' ? link(request) : compile(request));
    if (messages) process.stderr.write(messages);
    parentPort.postMessage({ output: tree[request.output] });
  } catch (err) {
    parentPort.postMessage({ error: `${request.src ?? 'link'}: ${err.message}` });
  }
});
