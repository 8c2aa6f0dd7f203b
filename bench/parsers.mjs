// The three HTTP/1.1 response parsers of the parse workload, each behind the
// same interface: `parse(stream, count)` consumes `count` back-to-back
// keep-alive responses from `stream` and returns what it saw, so the bench
// can check that all three agree before timing anything.
//
// Each hands its consumer what that parser naturally gives: ours and llhttp's
// wasm build give views (Uint8Array over wasm memory) of header names, values
// and body bytes; Node's native binding gives header strings and body Buffers.
import { createRequire } from 'node:module';
import { Core } from '../dist/core.js';
import { Event, BodyKind, limitSpecs } from '../dist/generated/spec.js';

const require = createRequire(import.meta.url);
export const SLICE = 64 * 1024; // bytes per socket read handed to llhttp

const limitId = (name) => limitSpecs.find((l) => l.name === name).id;

/** microhttps' core in plain mode, driven through the ABI without a socket. */
export function oursParser() {
  const core = new Core();
  const x = core.x;
  // the largest receive window the core offers (half the io buffer in plain mode)
  x.mh_limit_set(limitId('ioBufferBytes'), limitSpecs.find((l) => l.name === 'ioBufferBytes').max);
  if (x.mh_init() !== 0) throw new Error('mh_init failed');
  const request = new TextEncoder().encode('GET/bench.local');
  const name = new TextEncoder().encode('bench.local');
  if (x.mh_open(0, core.putXfer(name)) !== 0) throw new Error('mh_open failed');
  const mem = new Uint8Array(x.memory.buffer); // the core never grows its memory
  let fed = 0;

  function parse(stream, count) {
    let responses = 0, headers = 0, bodyBytes = 0;
    fed = 0;
    while (responses < count) {
      core.putXfer(request);
      if (x.mh_request_start(3, 1, 11) !== 0) throw new Error(`mh_request_start: ${x.mh_call_detail()}`);
      if (x.mh_request_end(BodyKind.NONE, 0, 0) !== 0) throw new Error('mh_request_end failed');
      for (;;) {
        const ev = x.mh_step();
        if (ev === Event.SEND) x.mh_send_ack(x.mh_send_len()); // the request bytes go nowhere
        else if (ev === Event.RECV) {
          const n = Math.min(x.mh_recv_cap(), stream.length - fed);
          if (n === 0) throw new Error('ours: stream ended early');
          mem.set(stream.subarray(fed, fed + n), x.mh_recv_ptr());
          fed += n;
          x.mh_recv_commit(n);
        } else if (ev === Event.HEAD) {
          // every field as a view (name, value), from one read of the core's field index
          const n = x.mh_header_count();
          const table = new Uint32Array(mem.buffer, x.mh_header_table_ptr(), n * 4);
          for (let i = 0; i < n * 4; i += 4) {
            new Uint8Array(mem.buffer, table[i], table[i + 1]);
            new Uint8Array(mem.buffer, table[i + 2], table[i + 3]);
          }
          headers += n;
        } else if (ev === Event.BODY) {
          bodyBytes += new Uint8Array(mem.buffer, x.mh_body_ptr(), x.mh_body_len()).length;
        } else if (ev === Event.DONE) {
          responses++;
          break;
        } else if (ev === Event.ERROR) {
          throw new Error(`ours: error ${x.mh_error_code()} detail ${x.mh_error_detail()}`);
        } else throw new Error(`ours: unexpected event ${ev}`);
      }
    }
    return { responses, headers, bodyBytes };
  }
  return { name: 'microhttps', parse };
}

/** Node's own llhttp binding, as node:http uses it (strict: no lenient flags). */
export function nativeParser() {
  const { HTTPParser } = require('_http_common');
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
  let responses = 0, headers = 0, bodyBytes = 0;
  // more than 32 fields arrive early through kOnHeaders
  parser[HTTPParser.kOnHeaders] = (fields) => { headers += fields.length / 2; };
  parser[HTTPParser.kOnHeadersComplete] = (_maj, _min, fields) => { if (fields) headers += fields.length / 2; };
  parser[HTTPParser.kOnBody] = (b) => { bodyBytes += b.length; };
  parser[HTTPParser.kOnMessageComplete] = () => { responses++; };

  function parse(stream, count) {
    responses = headers = bodyBytes = 0;
    for (let at = 0; at < stream.length; at += SLICE) {
      const r = parser.execute(stream.subarray(at, at + SLICE));
      if (r instanceof Error) throw new Error(`native llhttp: ${r.code} ${r.message}`);
    }
    if (responses !== count) throw new Error(`native llhttp: ${responses} responses, expected ${count}`);
    return { responses, headers, bodyBytes };
  }
  return { name: 'llhttp (native)', parse };
}

/**
 * llhttp's wasm build as shipped in undici, instantiated the way undici's
 * lib/dispatcher/client-h1.js does (SIMD build when the engine has it), with
 * callbacks that hand out views like undici's do.
 */
export function undiciWasmParser() {
  const undiciLib = require.resolve('undici').replace(/index\.js$/, 'lib/');
  const constants = require(`${undiciLib}llhttp/constants.js`);
  let mod;
  let simd = true;
  try {
    mod = new WebAssembly.Module(require(`${undiciLib}llhttp/llhttp_simd-wasm.js`));
  } catch {
    simd = false;
    mod = new WebAssembly.Module(require(`${undiciLib}llhttp/llhttp-wasm.js`));
  }
  let responses = 0, headers = 0, bodyBytes = 0;
  let inField = false; // a name cut by a slice boundary arrives in two callbacks
  let memory;
  const view = (at, len) => new Uint8Array(memory.buffer, at, len);
  const instance = new WebAssembly.Instance(mod, {
    env: {
      wasm_on_url: () => 0,
      wasm_on_status: (_p, at, len) => { view(at, len); return 0; },
      wasm_on_message_begin: () => 0,
      wasm_on_header_field: (_p, at, len) => { view(at, len); if (!inField) headers++; inField = true; return 0; },
      wasm_on_header_value: (_p, at, len) => { view(at, len); inField = false; return 0; },
      wasm_on_headers_complete: () => 0,
      wasm_on_body: (_p, at, len) => { bodyBytes += view(at, len).length; return 0; },
      wasm_on_message_complete: () => { responses++; return 0; },
    },
  });
  const llhttp = instance.exports;
  memory = llhttp.memory;
  const parser = llhttp.llhttp_alloc(constants.TYPE.RESPONSE);
  const buffer = llhttp.malloc(SLICE);

  function parse(stream, count) {
    responses = headers = bodyBytes = 0;
    for (let at = 0; at < stream.length; at += SLICE) {
      const slice = stream.subarray(at, at + SLICE);
      new Uint8Array(memory.buffer, buffer, slice.length).set(slice);
      const ret = llhttp.llhttp_execute(parser, buffer, slice.length);
      if (ret !== constants.ERROR.OK) throw new Error(`llhttp wasm: error ${ret}`);
    }
    if (responses !== count) throw new Error(`llhttp wasm: ${responses} responses, expected ${count}`);
    return { responses, headers, bodyBytes };
  }
  return { name: `llhttp wasm (undici${simd ? ', SIMD' : ''})`, parse };
}
