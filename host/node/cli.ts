#!/usr/bin/env node
// microhttps [METHOD] URL [options]: curl and HTTPie habits on top of the core.
// Flags become request options, checked by the option table (a bad value is a
// usage error, exit 2); the body goes to stdout or a file, -v shows TLS facts.
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { request } from './api.js';
import { multipart, type MultipartField } from './body.js';
import { MicroHttpsError } from './errors.js';
import { optionProblem, requestRules, type RequestOptions } from './options.js';
import type { Response } from './response.js';

const HELP = `Usage: microhttps [METHOD] URL [options]

Sends one HTTP request through the microhttps core (TLS 1.3 or 1.2, full
certificate validation) and writes the response body to stdout.

Options:
  -H, --header 'Name: value'   add a request header (repeatable)
  -d, --data DATA              send DATA as the body (@FILE reads a file; repeated: joined with &); default method POST
      --json JSON              send JSON (@FILE reads a file) as application/json; default method POST
  -F, --form name=value        multipart/form-data field (name=@FILE uploads a file; repeatable)
  -o, --output FILE            write the body to FILE, with a progress bar on a terminal
      --ca FILE                trust only the CA certificate(s) in FILE (PEM)
      --cert FILE --key FILE   client certificate and key (PEM) for mutual TLS
      --pin sha256/BASE64      require this public key in the chain (repeatable)
  -k, --insecure               skip certificate validation (DANGEROUS: says so loudly)
      --resolve host:port:addr connect to addr for host:port (repeatable)
      --proxy URL              use an http:// proxy (user:pass@ for proxy auth); without it,
                               HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured, as curl does
      --timeout MS             connect and read timeout in milliseconds (default 30000)
      --tlsv1.2, --tlsv1.3     lowest TLS version to accept (as curl: 1.3 never falls back to 1.2)
      --tls-max VERSION        highest TLS version to offer: 1.2 or 1.3
      --max-fragment N         negotiate TLS records of N bytes (512, 1024, 2048 or 4096; RFC 6066)
      --ciphers LIST           offer only these TLS suites, colon-separated: CHACHA20_POLY1305,
                               AES_128_GCM, AES_256_GCM (default: all the core has, ChaCha20 first)
      --core NAME              the core build to run: full (default), portable or small (least memory)
      --compressed             ask for a compressed response (gzip, deflate, br) and decode it; without it,
                               as with curl, no Accept-Encoding is sent and the body is written as received
  -L, --location               follow redirects (up to 10)
  -i, --include                print the status line and headers before the body
  -v, --verbose                print TLS version, cipher suite, certificate chain and timings to stderr
  -h, --help                   show this help

Exit status: 0 on success (any HTTP status), 1 when the request failed
(the error code, e.g. CERT_EXPIRED or TIMEOUT, is printed), 2 on usage errors.`;

const METHOD = /^[A-Z]+$/;

/** The flag that sets each request option, for usage messages (the option table checks the values). */
const FLAG_OF: Record<string, string> = {
  ca: '--ca', cert: '--cert', key: '--key', pin: '--pin', insecure: '--insecure', resolve: '--resolve',
  proxy: '--proxy', maxFragment: '--max-fragment', suites: '--ciphers', core: '--core', timeout: '--timeout',
};

interface Cli {
  method?: string;
  url?: string;
  headers: [string, string][];
  data?: string | Uint8Array;
  json?: string;
  form: [string, MultipartField][];
  output?: string;
  include: boolean;
  verbose: boolean;
  follow: boolean;
  options: RequestOptions & Record<string, unknown>;
}

class UsageError extends Error {}

/** A number flag's value: the number, or the text as given, so a usage message shows what was typed. */
const numeric = (text: string): number | string => (/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { headers: [], form: [], include: false, verbose: false, follow: false, options: {} };
  const value = (i: number, flag: string) => {
    if (i >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i];
  };
  const fileOrText = (text: string) => (text.startsWith('@') ? readFileSync(text.slice(1)) : text);
  const list = (key: 'pin' | 'resolve', v: string) => {
    const values = (cli.options[key] as string[] | undefined) ?? [];
    values.push(v);
    cli.options[key] = values;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      case '-H': case '--header': {
        const h = value(++i, arg);
        const colon = h.indexOf(':');
        if (colon <= 0) throw new UsageError(`header "${h}" is not "Name: value"`);
        cli.headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
        break;
      }
      case '-d': case '--data': {
        // repeated -d are joined with '&', as curl does
        const piece = fileOrText(value(++i, arg));
        cli.data = cli.data === undefined ? piece : Buffer.concat([Buffer.from(cli.data), Buffer.from('&'), Buffer.from(piece)]);
        break;
      }
      case '--json': cli.json = String(fileOrText(value(++i, arg))); break;
      case '-F': case '--form': {
        const f = value(++i, arg);
        const eq = f.indexOf('=');
        if (eq <= 0) throw new UsageError(`form field "${f}" is not name=value`);
        const v = f.slice(eq + 1);
        cli.form.push([f.slice(0, eq), v.startsWith('@') ? { filename: v.slice(1).split('/').pop()!, content: readFileSync(v.slice(1)) } : v]);
        break;
      }
      case '-o': case '--output': cli.output = value(++i, arg); break;
      case '--ca': cli.options.ca = readFileSync(value(++i, arg), 'utf8'); break;
      case '--cert': cli.options.cert = readFileSync(value(++i, arg), 'utf8'); break;
      case '--key': cli.options.key = readFileSync(value(++i, arg), 'utf8'); break;
      case '--pin': list('pin', value(++i, arg)); break;
      case '--insecure': case '-k': cli.options.insecure = true; break;
      case '--resolve': list('resolve', value(++i, arg)); break;
      case '--proxy': cli.options.proxy = value(++i, arg); break;
      case '--tlsv1.2': cli.options.minVersion = '1.2'; break;
      case '--tlsv1.3': cli.options.minVersion = '1.3'; break;
      case '--tls-max': {
        const v = value(++i, arg);
        if (v !== '1.2' && v !== '1.3') throw new UsageError('--tls-max takes 1.2 or 1.3');
        cli.options.maxVersion = v;
        break;
      }
      case '--max-fragment': cli.options.maxFragment = numeric(value(++i, arg)) as RequestOptions['maxFragment']; break;
      case '--ciphers': cli.options.suites = ciphers(value(++i, arg)); break;
      case '--core': cli.options.core = value(++i, arg) as RequestOptions['core']; break;
      case '--timeout': cli.options.timeout = numeric(value(++i, arg)) as number; break;
      case '--compressed': cli.options.decompress = true; break;
      case '-L': case '--location': cli.follow = true; break;
      case '-i': case '--include': cli.include = true; break;
      case '-v': case '--verbose': cli.verbose = true; break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (!cli.url && !cli.method && METHOD.test(arg) && i + 1 < argv.length) cli.method = arg;
        else if (!cli.url) cli.url = arg;
        else throw new UsageError(`unexpected argument ${arg}`);
    }
  }
  const problem = optionProblem(cli.options, requestRules);
  if (problem) throw new UsageError(`${FLAG_OF[problem.name] ?? problem.name}: ${problem.message}`);
  if (!cli.url) throw new UsageError('a URL is required');
  if (!/^https?:\/\//i.test(cli.url)) cli.url = `https://${cli.url}`;
  return cli;
}

/** curl's --ciphers habit: a colon-separated list (names are checked with the other options). */
function ciphers(list: string): RequestOptions['suites'] {
  return list.split(/[:,]/).map((name) => name.trim().toUpperCase().replace(/-/g, '_')) as RequestOptions['suites'];
}

function requestOptions(cli: Cli): RequestOptions {
  // trustEnv: proxy variables apply as they do for curl, the tool this mimics
  // decompress: false unless --compressed, as curl does
  const opts: RequestOptions = { trustEnv: true, decompress: false, ...cli.options, headers: cli.headers, redirect: cli.follow ? 10 : false, stream: true };
  if (cli.form.length) {
    const encoded = multipart(cli.form);
    opts.body = encoded.body as Uint8Array;
    cli.headers.push(['Content-Type', encoded.contentType!]);
  } else if (cli.json !== undefined) {
    opts.body = cli.json;
    cli.headers.push(['Content-Type', 'application/json']);
  } else if (cli.data !== undefined) {
    opts.body = cli.data;
    if (!cli.headers.some(([n]) => n.toLowerCase() === 'content-type')) cli.headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  }
  const hasBody = opts.body !== undefined;
  opts.method = cli.method ?? (hasBody ? 'POST' : 'GET');
  return opts;
}

function describe(res: Response, started: number): string {
  const t = res.timings;
  const lines = [`* ${res.url}`];
  if (res.tls) {
    lines.push(`* TLS ${res.tls.version}, cipher ${res.tls.cipher}${res.tls.insecure ? ' — CERTIFICATE NOT VERIFIED (--insecure)' : ', certificate verified'}`);
    for (const [i, c] of res.tls.peerCertificates.entries()) {
      lines.push(`*   [${i}] subject: ${c.subject}`);
      lines.push(`*       issuer: ${c.issuer}`);
      lines.push(`*       valid: ${c.validFrom?.toISOString() ?? '?'} .. ${c.validTo?.toISOString() ?? '?'}`);
      if (c.subjectAltNames.length) lines.push(`*       names: ${c.subjectAltNames.join(', ')}`);
      lines.push(`*       key: ${c.spkiSha256}`);
    }
  }
  const m = res.memory;
  lines.push(`* core memory: ${m.USED_PEAK} bytes used (static ${m.STATIC_DATA}, stack peak ${m.STACK_PEAK}, buffers ${m.ARENA_USED}) of ${m.HEAP_BASE}`);
  lines.push(`* timings: dns ${t.dns} ms, connect ${t.connect} ms, tls ${t.tls} ms, first byte ${t.firstByte} ms, total ${Date.now() - started} ms${t.reused ? ' (reused connection)' : ''}`);
  return lines.join('\n');
}

function head(res: Response): string {
  return [`HTTP/${res.httpVersion} ${res.status} ${res.reason}`, ...[...res.headers].map(([n, v]) => `${n}: ${v}`), '', ''].join('\r\n');
}

async function download(res: Response, file: string): Promise<void> {
  const out = createWriteStream(file);
  const total = Number(res.headers.get('content-length') ?? NaN);
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let received = 0;
  let lastDraw = 0;
  const line = () => {
    const secs = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = received / secs;
    const pct = Number.isFinite(total) && total > 0 ? Math.min(100, (received / total) * 100) : undefined;
    const eta = pct !== undefined && rate > 0 ? Math.max(0, (total - received) / rate) : undefined;
    const bar = pct === undefined ? '' : `[${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')}] ${pct.toFixed(0).padStart(3)}% `;
    return `${bar}${bytes(received)} at ${bytes(rate)}/s${eta !== undefined ? `, ETA ${eta.toFixed(0)} s` : ''}`;
  };
  for await (const chunk of res.iterContent(64 * 1024)) {
    received += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
    if (tty && Date.now() - lastDraw > 100) {
      lastDraw = Date.now();
      process.stderr.write(`\r${line()}\x1b[K`);
    }
  }
  out.end();
  await once(out, 'finish');
  process.stderr.write(`${tty ? '\r' : ''}${line()} -> ${file}${tty ? '\x1b[K' : ''}\n`);
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
  return `${n.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

async function main(argv: string[]): Promise<number> {
  let cli: Cli;
  try {
    cli = parseArgs(argv);
  } catch (err) {
    // a file named by an option (@FILE, --ca, ...) that cannot be read is the caller's mistake too
    const fsError = err as NodeJS.ErrnoException;
    const message = err instanceof UsageError ? err.message : fsError.path ? `cannot read ${fsError.path}: ${fsError.code}` : undefined;
    if (message === undefined) throw err;
    process.stderr.write(`microhttps: ${message}\nTry 'microhttps --help'.\n`);
    return 2;
  }
  if (cli.options.insecure) process.stderr.write('microhttps: WARNING: --insecure: the server certificate is NOT verified; anyone on the path can read and change this traffic\n');
  const started = Date.now();
  try {
    const res = await request(cli.url!, requestOptions(cli));
    if (cli.verbose) process.stderr.write(`${describe(res, started)}\n`);
    if (cli.include) process.stdout.write(head(res));
    if (cli.output) await download(res, cli.output);
    else for await (const chunk of res.iterContent(64 * 1024)) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    return 0;
  } catch (err) {
    if (err instanceof MicroHttpsError) {
      process.stderr.write(`microhttps: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`microhttps: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
