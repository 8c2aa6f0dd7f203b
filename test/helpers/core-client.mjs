// Shared bits for tests that talk to local servers through the public API.
import { makePki } from '../../devkit/pki.mjs';

/** Every test host name resolves to 127.0.0.1: nothing leaves loopback. */
export const loopback = async () => ({ address: '127.0.0.1', family: 4 });

/** A PKI with a root and a localhost leaf, cleaned up by the caller. */
export function localPki() {
  const pki = makePki();
  const leaf = pki.issueLeaf({ dns: ['localhost'] });
  return { pki, leaf };
}

/** Runs fn and returns the error it throws (fails the test if it does not throw). */
export async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** An HTTPS server on 127.0.0.1 with a localhost leaf of a fresh PKI; close() stops both. */
export async function localHttpsServer(handler) {
  const { startHttpsServer } = await import('./servers.mjs');
  const { pki, leaf } = localPki();
  const server = await startHttpsServer({ key: leaf.keyPem, cert: leaf.chainPem, handler });
  return { pki, leaf, server, close: async () => { await server.close(); pki.cleanup(); } };
}
