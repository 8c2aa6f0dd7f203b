// POST a JSON document and read the JSON reply: requests.post(url, json=...).
// Usage: node examples/post-json.mjs [URL]
import { post } from '../dist/index.js';

const url = process.argv[2] ?? 'https://httpbin.org/post';

// json: sets Content-Type: application/json and serialises the value.
const res = await post(url, {
  json: { sensor: 'greenhouse-1', temperature: 21.5 },
  headers: { Accept: 'application/json' },
  timeout: 10_000,
});
res.raiseForStatus(); // throws HTTPError for 4xx and 5xx, as in requests
const reply = await res.json();
console.log(res.status, res.reason);
console.log(JSON.stringify(reply, null, 2));
