// `npm start`: an offline demo. Makes a throwaway CA and server certificate,
// starts a local HTTPS server, and fetches from it through the core with full
// certificate validation (chain, dates, host name).
import https from 'node:https';
import { get } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';

const pki = makePki({ cn: 'microhttps demo CA' });
const leaf = pki.issueLeaf({ dns: ['demo.localhost'] });
const server = https.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, (req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ hello: 'from a local HTTPS server', path: req.url }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

try {
  const url = `https://demo.localhost:${port}/greeting`;
  const res = await get(url, {
    ca: pki.root.certPem, // trust only the throwaway CA
    lookup: async () => ({ address: '127.0.0.1' }), // demo.localhost -> loopback
  });
  console.log(`GET ${url}`);
  console.log(`HTTP/${res.httpVersion} ${res.status} ${res.reason}`);
  for (const [name, value] of res.headers) console.log(`${name}: ${value}`);
  console.log();
  console.log(await res.text());
  console.log();
  console.log(`TLS: ${res.tls.version} ${res.tls.cipher} (certificate chain, dates and host name validated)`);
  const mem = res.memory;
  console.log('core memory (bytes):');
  for (const [k, v] of Object.entries(mem)) console.log(`  ${k.padEnd(14)} ${v}`);
} finally {
  server.close();
  pki.cleanup();
}
