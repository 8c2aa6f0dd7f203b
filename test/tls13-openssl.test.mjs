// Our TLS 1.3 engine against Debian's `openssl s_server`: HelloRetryRequest
// (with and without a cookie), several tickets, no middlebox compatibility,
// and KeyUpdate both ways, checked on the wire through s_server's -msg log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get, Session } from '../dist/index.js';
import { makePki } from '../devkit/pki.mjs';
import { loopback } from './helpers/core-client.mjs';
import { startOpensslServer } from './helpers/openssl-server.mjs';

let pki, leaf;
before(() => {
  pki = makePki();
  leaf = pki.issueIntermediate().issueLeaf();
});
after(() => pki.cleanup());

const opts = () => ({ ca: pki.root.certPem, lookup: loopback, maxVersion: '1.3', timeout: 10000 });
const count = (messages, sent, name) => messages.filter((m) => m.sent === sent && m.message === name).length;

async function withServer(args, fn, mode = 'www') {
  const server = await startOpensslServer({ leaf, args: ['-tls1_3', ...args], mode });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** A GET of s_server's -www status page over TLS 1.3. */
async function statusPage(server) {
  const res = await get(`https://localhost:${server.port}/`, opts());
  assert.equal(res.status, 200);
  assert.match(await res.text(), /TLSv1\.3/);
  assert.equal(res.tls.version, 'TLSv1.3');
  return res;
}

test('-groups P-256: a HelloRetryRequest, then a second ClientHello with a P-256 share', () => withServer(['-groups', 'P-256'], async (server) => {
  await statusPage(server);
  const messages = server.messages();
  assert.equal(count(messages, false, 'ClientHello'), 2);
  assert.equal(count(messages, true, 'ServerHello'), 2, 'the HelloRetryRequest is a ServerHello on the wire');
}));

test('-stateless -groups P-256: the HelloRetryRequest cookie is echoed (the server keeps no state without it)', () => withServer(['-stateless', '-groups', 'P-256'], async (server) => {
  await statusPage(server);
  assert.equal(count(server.messages(), false, 'ClientHello'), 2);
}));

test('-stateless with -groups P-256 and TLS_AES_256_GCM_SHA384 (a SHA-384 transcript through the retry)', () => withServer(
  ['-stateless', '-groups', 'P-256', '-ciphersuites', 'TLS_AES_256_GCM_SHA384'],
  async (server) => {
    const res = await statusPage(server);
    assert.equal(res.tls.cipher, 'TLS_AES_256_GCM_SHA384');
  },
));

test('-no_middlebox, -num_tickets 4: no CCS from the server, every ticket parsed', () => withServer(['-no_middlebox', '-num_tickets', '4'], async (server) => {
  await statusPage(server);
  const messages = server.messages();
  assert.equal(count(messages, true, 'NewSessionTicket'), 4);
  assert.equal(count(messages, true, 'ChangeCipherSpec'), 0);
}));

test('the server\'s middlebox-compatibility ChangeCipherSpec is dropped', () => withServer([], async (server) => {
  await statusPage(server);
  assert.equal(count(server.messages(), true, 'ChangeCipherSpec'), 1);
}));

for (const requested of [false, true]) {
  test(`KeyUpdate from the server (${requested ? 'K: update_requested, answered' : 'k: not requested'}), then more requests both ways`, () => withServer([], async (server) => {
    const session = new Session(opts());
    try {
      for (let i = 1; i <= 2; i++) {
        const pending = session.get(`https://localhost:${server.port}/r${i}`);
        await server.waitFor(new RegExp(`GET /r${i} HTTP/1.1`));
        await server.keyUpdate(requested);
        server.type(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${i}ok`);
        const res = await pending;
        assert.equal(await res.text(), `${i}ok`);
      }
      // s_server logs our answering KeyUpdate when it reads it, which may be
      // after the response has arrived here: wait for it, bounded
      for (let i = 0; i < 100 && count(server.messages(), false, 'KeyUpdate') < (requested ? 2 : 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const messages = server.messages();
      assert.equal(count(messages, true, 'KeyUpdate'), 2);
      assert.equal(count(messages, false, 'KeyUpdate'), requested ? 2 : 0);
    } finally {
      await session.close();
    }
  }, 'echo'));
}
