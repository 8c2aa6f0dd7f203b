// A TCP relay that reads every TLS record header on the path: the length of
// each record the server sends (received) and the client sends (sent), and
// the first bytes the server sends on each connection. Sockets are
// destroyed on close.
import net from 'node:net';

/** Calls onRecord(length) for each whole record in a stream of chunks. */
function recordLengths(onRecord) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
      onRecord(pending.readUInt16BE(3));
      pending = pending.subarray(5 + pending.readUInt16BE(3));
    }
  };
}

export async function startRecordRelay(port) {
  const received = [], sent = [], firstBytes = [];
  const sockets = new Set();
  let connections = 0;
  const relayServer = net.createServer((client) => {
    connections++;
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); }
    const first = firstBytes.push(Buffer.alloc(0)) - 1;
    const fromServer = recordLengths((n) => received.push(n));
    const fromClient = recordLengths((n) => sent.push(n));
    upstream.on('data', (chunk) => {
      if (firstBytes[first].length < 512) firstBytes[first] = Buffer.concat([firstBytes[first], chunk]);
      fromServer(chunk);
      client.write(chunk);
    });
    client.on('data', (chunk) => {
      fromClient(chunk);
      upstream.write(chunk);
    });
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
  });
  await new Promise((r) => relayServer.listen(0, '127.0.0.1', r));
  return {
    port: relayServer.address().port,
    /** lengths of the server's records, in order */
    received,
    /** lengths of the client's records, in order */
    sent,
    firstBytes,
    get connections() { return connections; },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => relayServer.close(r));
    },
  };
}
