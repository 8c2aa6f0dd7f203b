// Stream a large download in 1 KiB chunks: memory stays flat for any size,
// like requests' stream=True + iter_content(1024) or urequests' raw.read(1024).
// Usage: node examples/stream-download.mjs [URL] [FILE]   (no FILE: count bytes only)
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { get } from '../dist/index.js';

const url = process.argv[2] ?? 'https://proof.ovh.net/files/10Mb.dat';
const file = process.argv[3];

// stream: true resolves at the response head; the body is read as we iterate.
const res = await get(url, { stream: true, timeout: 30_000 });
res.raiseForStatus();
const out = file ? createWriteStream(file) : undefined;
let received = 0;
let largest = 0;
let heapPeak = 0;
for await (const chunk of res.iterContent(1024)) {
  received += chunk.length;
  largest = Math.max(largest, chunk.length);
  // wait for the disk when it is slower than the network, so nothing piles up
  if (out && !out.write(chunk)) await once(out, 'drain');
  if (received % (1024 * 1024) < chunk.length) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}
if (out) {
  out.end();
  await once(out, 'finish');
}
console.log(`${received} bytes${file ? ` written to ${file}` : ''}, in chunks of at most ${largest} bytes`);
console.log(`core arena in use: ${res.memory.ARENA_USED} bytes; JS heap peak: ${(heapPeak / 2 ** 20).toFixed(1)} MiB`);
