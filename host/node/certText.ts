// Certificate fields as readable text for people: DER Names ("CN=a, O=b"),
// validity times, and subjectAltName lists, as res.tls and error messages
// show them. Nothing here decides trust; the core has done that.
import { readTlv, children, type Tlv } from './der.js';

const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber', '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC',
};

function oidText(b: Uint8Array): string {
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (const byte of b.subarray(1)) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

function stringValue(der: Uint8Array, t: Tlv): string {
  const bytes = Buffer.from(der.subarray(t.start, t.end));
  if (t.tag === 0x1e) return bytes.swap16().toString('utf16le'); // BMPString
  return bytes.toString(t.tag === 0x0c ? 'utf8' : 'latin1');
}

/** A DER Name as text, attributes in certificate order: "CN=a, O=b". */
export function nameText(der: Uint8Array): string {
  if (der.length === 0) return '';
  try {
    const parts: string[] = [];
    for (const rdn of children(der, readTlv(der, 0))) {
      for (const atv of children(der, rdn)) {
        const [oid, value] = children(der, atv);
        const id = oidText(der.subarray(oid.start, oid.end));
        parts.push(`${ATTRIBUTE_NAMES[id] ?? id}=${stringValue(der, value)}`);
      }
    }
    return parts.join(', ');
  } catch {
    return `(unreadable name, ${der.length} bytes)`;
  }
}

/** A DER UTCTime / GeneralizedTime (tag byte, then text) as a Date. */
export function certTime(field: Uint8Array): Date | undefined {
  if (field.length < 2) return undefined;
  const t = Buffer.from(field.subarray(1)).toString('latin1');
  const full = field[0] === 0x17 ? `${Number(t.slice(0, 2)) < 50 ? '20' : '19'}${t}` : t;
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(full);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return [...b].join('.');
  const words: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) words.push((b[i] << 8) | b[i + 1]);
  // RFC 5952: the longest run of two or more zero words becomes "::"
  let best = -1, bestLen = 1;
  for (let i = 0; i < words.length;) {
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j > i ? j : i + 1;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** The summary's SAN triples (tag, length, value) as "DNS:name" / "IP:address". */
export function sanList(field: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at + 2 <= field.length;) {
    const tag = field[at];
    const len = field[at + 1];
    const value = field.subarray(at + 2, at + 2 + len);
    out.push(tag === 0x82 ? `DNS:${Buffer.from(value).toString('latin1')}` : `IP:${ipText(value)}`);
    at += 2 + len;
  }
  return out;
}
