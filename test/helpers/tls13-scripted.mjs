// A scripted TLS 1.3 server on Node's crypto (X25519, HKDF, AES-128-GCM,
// ECDSA P-256), for what no local peer does: OpenSSL (Node's and Debian's)
// has no record_size_limit (RFC 8449), so this server answers with the
// EncryptedExtensions a test gives it, well formed or not, and sends and
// reads records of the sizes a test asks for. Everything else is RFC 8446
// done plainly: one suite (TLS_AES_128_GCM_SHA256), an X25519 share, the
// leaf's real chain and CertificateVerify, both Finished checked. It serves
// one HTTP/1.1 request per connection and records what it saw.
import net from 'node:net';
import {
  createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, diffieHellman,
  generateKeyPairSync, randomBytes, sign, X509Certificate,
} from 'node:crypto';

const HOST = '127.0.0.1';
const TAG = 16;
const NONE = Buffer.alloc(0);
const ZEROS = Buffer.alloc(32);

const u16 = (n) => Buffer.from([(n >> 8) & 255, n & 255]);
const u24 = (n) => Buffer.from([(n >> 16) & 255, (n >> 8) & 255, n & 255]);
const vec16 = (b) => Buffer.concat([u16(b.length), b]);
const vec24 = (b) => Buffer.concat([u24(b.length), b]);
/** An extension: type and body (bytes). */
export const ext = (type, body) => Buffer.concat([u16(type), vec16(Buffer.from(body))]);
const handshake = (type, body) => Buffer.concat([Buffer.from([type]), vec24(body)]);
const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** HKDF-Expand-Label (RFC 8446 §7.1) over SHA-256. */
function expandLabel(secret, label, context, len) {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([u16(len), Buffer.from([full.length]), full, Buffer.from([context.length]), context]);
  const blocks = [];
  for (let i = 1, t = NONE; blocks.length * 32 < len; i++) blocks.push(t = hmac(secret, Buffer.concat([t, info, Buffer.from([i])])));
  return Buffer.concat(blocks).subarray(0, len);
}

/** One direction's record protection (§5.2). */
class Protection {
  constructor(secret) {
    this.key = expandLabel(secret, 'key', NONE, 16);
    this.iv = expandLabel(secret, 'iv', NONE, 12);
    this.seq = 0n;
  }

  nonce() {
    const nonce = Buffer.from(this.iv), seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(this.seq++);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= seq[i];
    return nonce;
  }

  seal(type, data) {
    const inner = Buffer.concat([data, Buffer.from([type])]);
    const header = Buffer.from([23, 3, 3, ...u16(inner.length + TAG)]);
    const c = createCipheriv('aes-128-gcm', this.key, this.nonce()).setAAD(header);
    return Buffer.concat([header, c.update(inner), c.final(), c.getAuthTag()]);
  }

  /** The inner content type, the content, and the TLSInnerPlaintext length (type byte included). */
  open(record) {
    const body = record.subarray(5);
    const d = createDecipheriv('aes-128-gcm', this.key, this.nonce()).setAAD(record.subarray(0, 5));
    d.setAuthTag(body.subarray(-TAG));
    const inner = Buffer.concat([d.update(body.subarray(0, -TAG)), d.final()]);
    let n = inner.length;
    while (n > 0 && inner[n - 1] === 0) n--;
    return { type: inner[n - 1], data: inner.subarray(0, n - 1), innerLength: inner.length };
  }
}

/** The extensions of a ClientHello message, by type. */
function clientHelloExtensions(m) {
  let p = 4 + 2 + 32;
  const sessionId = m.subarray(p + 1, p + 1 + m[p]);
  p += 1 + m[p];
  p += 2 + m.readUInt16BE(p);
  p += 1 + m[p];
  const end = p + 2 + m.readUInt16BE(p);
  const exts = new Map();
  for (p += 2; p + 4 <= end; p += 4 + m.readUInt16BE(p + 2)) exts.set(m.readUInt16BE(p), m.subarray(p + 4, p + 4 + m.readUInt16BE(p + 2)));
  return { sessionId, exts };
}

/** The client's X25519 share from its key_share extension. */
function x25519Share(keyShare) {
  for (let p = 2; p + 4 <= keyShare.length; p += 4 + keyShare.readUInt16BE(p + 2)) {
    if (keyShare.readUInt16BE(p) === 0x001d) return keyShare.subarray(p + 4, p + 4 + keyShare.readUInt16BE(p + 2));
  }
  throw new Error('no X25519 key share');
}

/** Splits bytes into pieces of at most size. */
const pieces = (bytes, size) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

/**
 * Starts the server. encryptedExtensions: the extension bytes of its
 * EncryptedExtensions (a Buffer, or a function of the connection's record
 * per ClientHello extension map); serverHelloExtensions: extra ServerHello
 * extensions; handshakeRecord: the most plaintext per record of its
 * encrypted flight; respond(request): { body, recordSize } for the answer.
 * Each connection's record of what happened is in `connections`.
 */
export async function startScriptedTls13Server({
  leaf, encryptedExtensions = NONE, serverHelloExtensions = NONE, handshakeRecord = 512,
  respond = () => ({ body: Buffer.from('ok') }),
}) {
  const chain = leaf.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g).map((pem) => new X509Certificate(pem).raw);
  const connections = [];
  const sockets = new Set();

  function serve(socket) {
    const conn = { clientExtensions: null, alerts: [], appRecords: [], request: NONE, clientFinishedOk: undefined };
    // resolves when the client has hung up (its last alert read)
    conn.closed = new Promise((resolve) => socket.on('close', resolve));
    connections.push(conn);
    let pending = NONE, transcript = [], rd = null, wr = null, after = null;

    function flight(clientHello) {
      const { sessionId, exts } = clientHelloExtensions(clientHello);
      conn.clientExtensions = exts;
      const server = generateKeyPairSync('x25519');
      const pub = Buffer.from(server.publicKey.export({ format: 'jwk' }).x, 'base64url');
      const peer = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: x25519Share(exts.get(51)).toString('base64url') }, format: 'jwk' });
      const shared = diffieHellman({ privateKey: server.privateKey, publicKey: peer });
      const shExts = Buffer.concat([ext(43, [3, 4]), ext(51, Buffer.concat([u16(0x001d), vec16(pub)])), serverHelloExtensions]);
      const serverHello = handshake(2, Buffer.concat([Buffer.from([3, 3]), randomBytes(32), Buffer.from([sessionId.length]), sessionId,
        u16(0x1301), Buffer.from([0]), vec16(shExts)]));
      transcript = [clientHello, serverHello];
      const derived = (secret) => expandLabel(secret, 'derived', sha256(NONE), 32);
      const hsSecret = hmac(derived(hmac(ZEROS, ZEROS)), shared);
      const cHs = expandLabel(hsSecret, 'c hs traffic', sha256(...transcript), 32);
      const sHs = expandLabel(hsSecret, 's hs traffic', sha256(...transcript), 32);
      rd = new Protection(cHs);
      wr = new Protection(sHs);
      const ee = typeof encryptedExtensions === 'function' ? encryptedExtensions(exts) : encryptedExtensions;
      transcript.push(handshake(8, vec16(ee)));
      transcript.push(handshake(11, Buffer.concat([Buffer.from([0]), vec24(Buffer.concat(chain.map((der) => Buffer.concat([vec24(der), u16(0)]))))])));
      const signed = Buffer.concat([Buffer.alloc(64, 0x20), Buffer.from('TLS 1.3, server CertificateVerify\0', 'latin1'), sha256(...transcript)]);
      transcript.push(handshake(15, Buffer.concat([u16(0x0403), vec16(sign('sha256', signed, leaf.keyPem))])));
      transcript.push(handshake(20, hmac(expandLabel(sHs, 'finished', NONE, 32), sha256(...transcript))));
      const encrypted = pieces(Buffer.concat(transcript.slice(2)), handshakeRecord).map((p) => wr.seal(22, p));
      socket.write(Buffer.concat([Buffer.from([22, 3, 3]), vec16(serverHello), Buffer.from([20, 3, 3, 0, 1, 1]), ...encrypted]));
      const master = hmac(derived(hsSecret), ZEROS);
      const th = sha256(...transcript);
      after = {
        clientFinished: hmac(expandLabel(cHs, 'finished', NONE, 32), th),
        cAp: expandLabel(master, 'c ap traffic', th, 32),
        sAp: expandLabel(master, 's ap traffic', th, 32),
      };
    }

    function requestComplete() {
      const text = conn.request.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      return conn.request.length >= end + 4 + length;
    }

    function answer() {
      const { body, recordSize = 16384 } = respond(conn.request);
      const head = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`, 'latin1');
      const records = pieces(Buffer.concat([head, body]), recordSize).map((p) => wr.seal(23, p));
      socket.end(Buffer.concat([...records, wr.seal(21, Buffer.from([1, 0]))]));
    }

    function record(type, rec) {
      if (type === 20) return;
      if (type === 22 && !rd) return flight(rec.subarray(5));
      if (type === 21) { conn.alerts.push(rec[6]); return; }
      const { type: inner, data, innerLength } = rd.open(rec);
      if (inner === 21) conn.alerts.push(data[1]);
      else if (inner === 22 && data[0] === 20) {
        conn.clientFinishedOk = data.subarray(4).equals(after.clientFinished);
        rd = new Protection(after.cAp);
        wr = new Protection(after.sAp);
      } else if (inner === 23) {
        conn.appRecords.push(innerLength);
        conn.request = Buffer.concat([conn.request, data]);
        if (requestComplete()) answer();
      }
    }

    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        const rec = pending.subarray(0, 5 + pending.readUInt16BE(3));
        pending = pending.subarray(rec.length);
        try {
          record(rec[0], rec);
        } catch (err) {
          conn.error = err;
          socket.destroy();
          return;
        }
      }
    });
  }

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    port: server.address().port,
    connections,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
