// GET a page and print its status and body: requests.get(url).text, our way.
// Usage: node examples/get.mjs [URL]
import { get } from '../dist/index.js';

const url = process.argv[2] ?? 'https://example.org/';

// Resolves once the whole body has arrived (like requests; pass stream: true
// to read it yourself). The certificate is checked against Node's root store.
const res = await get(url, { timeout: 10_000 });
console.log(res.status, res.reason); // e.g. 200 OK
console.log(res.headers.get('content-type')); // header names are case-insensitive
console.log(await res.text());
