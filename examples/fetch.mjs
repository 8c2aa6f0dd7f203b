// The fetch API you know, on top of the microhttps core: a standard Response
// with a ReadableStream body. Code written for fetch runs unchanged.
// Usage: node examples/fetch.mjs [URL]
import { fetch } from '../dist/index.js';

const url = process.argv[2] ?? 'https://httpbin.org/anything';

const res = await fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
  signal: AbortSignal.timeout(10_000), // abort after 10 s
});
if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
console.log(res.status, res.statusText, res.url);

// The body is a WHATWG ReadableStream: read it piece by piece as it arrives.
const decoder = new TextDecoder();
let text = '';
for await (const piece of res.body) text += decoder.decode(piece, { stream: true });
console.log(text + decoder.decode());
