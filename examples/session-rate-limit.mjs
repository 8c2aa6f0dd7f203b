// A Session: keep-alive connections reused across requests, shared headers,
// and a rate limiter (token bucket) that makes requests wait instead of
// failing, like requests.Session() plus a throttle.
// Usage: node examples/session-rate-limit.mjs [URL]
import { Session } from '../dist/index.js';

const url = process.argv[2] ?? 'https://httpbin.org/get';

const session = new Session({
  headers: { 'User-Agent': 'greenhouse-logger/1.0' }, // sent with every request
  rateLimit: { requests: 2, per: 1000 }, // at most 2 requests a second
  maxSockets: 1, // one keep-alive connection to the server
  timeout: 10_000,
});
const started = Date.now();
try {
  for (let i = 1; i <= 5; i++) {
    const res = await session.get(url, { params: { reading: i } }); // waits for a token when over the rate
    await res.text(); // a fully read body sends the connection back to the pool
    const reused = res.timings.reused ? 'reused connection' : 'new connection';
    console.log(`request ${i}: ${res.status} at ${Date.now() - started} ms, ${reused}`);
  }
} finally {
  await session.close(); // closes the idle keep-alive connection
}
