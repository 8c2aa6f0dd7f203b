// The core's ABI: every export of microhttps.wasm is here, and only numbers
// cross it. spec/abi.json lists the exports with their signatures and
// contracts (docs/abi.md shows them); a test checks the built module against it.
import {
  ABI_VERSION, ERR_CONFIG, ERR_STATE,
  LIMIT_HEADER_BYTES, LIMIT_HEADER_COUNT, LIMIT_REQUEST_HEAD_BYTES, LIMIT_IO_BUFFER_BYTES, LIMIT_TRUST_STORE_BYTES, LIMIT_CLIENT_CERT_BYTES,
  LIMIT_MAX_FRAGMENT_BYTES, TLS_RECORD_OVERHEAD,
  MEM_STACK_SIZE, MEM_STACK_PEAK, MEM_STATIC_DATA, MEM_ARENA_SIZE, MEM_ARENA_USED, MEM_IO_BUFFER,
  MEM_HEAD_BUFFER, MEM_REQUEST_HEAD, MEM_TRUST_STORE, MEM_TLS_STATE, MEM_XFER_WINDOW, MEM_HEAP_BASE, MEM_USED_PEAK,
  MEM_ARENA_BASE,
  OPEN_TLS, OPEN_ANCHORS_ON_DEMAND, TX_SENDREC, TX_RECVREC, RETRY_NONE, RETRY_WITHOUT_MFL, RETRY_WITHOUT_SESSION,
} from "./generated/spec";
// Brings in the abort handler the build names with --use abort=...
import "./base/abort";
import { errorCode, errorDetail, fail, clearError } from "./base/error";
import { limit, setLimit, resetLimits, freezeLimits, limitsFrozen } from "./base/limits";
import { carve, arenaUsed, arenaBase } from "./base/arena";
import {
  tx_open, tx_ack, tx_close, tx_version, tx_suite, store_init, store_add, store_used, store_count, store_detail,
  tx_anchor_pending, tx_anchor_query, tx_anchor_resume,
  mem_stack_paint, mem_stack_peak, mem_tls_state, mem_arena_size, mem_stack_size, mem_xfer_size, anchor_subject_hash, tx_reason, tx_offender_ptr, tx_offender_len, pin_add,
  peer_count, peer_field_ptr, peer_field_len, client_init, client_cert_add, client_key_set, client_detail,
  session_export, session_import, session_resumed, tls_max_fragment, tls_suites, tx_wipe_idle,
} from "./generated/tls";
import {
  step, sendPtr, sendLen, recvPtr, recvCap, connectionReset, beginRequest, abandonRequest, finishRequestHead,
  requestBuilding, markPeerEof, writeBody, endBodyRequested, betweenResponses,
} from "./connection";
import { initChars } from "./http/chars";
import {
  headInit, fieldIndex, FIELD_ENTRY_BYTES, status, versionMinor, reasonPtr, reasonLen, fieldCount,
  fieldNamePtr, fieldNameLen, fieldValuePtr, fieldValueLen, headWipe,
} from "./http/headParser";
import { persistent } from "./http/framing";
import { bodyPtr, bodyLen } from "./http/responseParser";
import { writerInit, writerWipe, requestStart, requestHeader, requestEnd, writerDetail } from "./http/requestWriter";

// Buffers carved by mh_init.
let xfer: usize = 0;
let ioBuffer: usize = 0;
let trustStore: usize = 0;
let opened = false;
/** The connection mh_open started speaks TLS. */
let tlsOpened = false;
/** Detail of the last synchronous call that returned an error code. */
let callDetail: u32 = 0;

resetLimits();

export function mh_abi_version(): u32 { return ABI_VERSION; }

// ---- setup -------------------------------------------------------------

export function mh_limit_set(id: u32, value: u32): u32 { return setLimit(id, value); }
export function mh_limit_get(id: u32): u32 { return limit(id); }

/** The record buffer: sized for a negotiated maximum fragment length when
 * one is asked for (BearSSL's client then offers it: RFC 6066), else
 * ioBufferBytes. */
function ioBufferBytes(): u32 {
  const fragment = limit(LIMIT_MAX_FRAGMENT_BYTES);
  return fragment ? fragment + TLS_RECORD_OVERHEAD : limit(LIMIT_IO_BUFFER_BYTES);
}

/** RFC 6066 lengths are 2^9..2^12 only. */
function validMaxFragment(n: u32): bool {
  return n == 0 || n == 512 || n == 1024 || n == 2048 || n == 4096;
}

/** Carves every buffer from the arena for the configured limits. Once. */
export function mh_init(): u32 {
  if (limitsFrozen()) return ERR_STATE;
  if (!validMaxFragment(limit(LIMIT_MAX_FRAGMENT_BYTES))) return ERR_CONFIG;
  mem_stack_paint();
  initChars();
  xfer = carve(mem_xfer_size());
  const head = carve(limit(LIMIT_HEADER_BYTES));
  const index = carve(limit(LIMIT_HEADER_COUNT) * FIELD_ENTRY_BYTES);
  const request = carve(limit(LIMIT_REQUEST_HEAD_BYTES));
  ioBuffer = carve(ioBufferBytes());
  trustStore = carve(limit(LIMIT_TRUST_STORE_BYTES));
  const clientCerts = carve(limit(LIMIT_CLIENT_CERT_BYTES));
  if (!xfer || !head || !index || !request || !ioBuffer || (!trustStore && limit(LIMIT_TRUST_STORE_BYTES) != 0)) return ERR_CONFIG;
  if (!clientCerts && limit(LIMIT_CLIENT_CERT_BYTES) != 0) return ERR_CONFIG;
  headInit(head, limit(LIMIT_HEADER_BYTES), index);
  writerInit(request, limit(LIMIT_REQUEST_HEAD_BYTES));
  store_init(trustStore, limit(LIMIT_TRUST_STORE_BYTES));
  client_init(clientCerts, limit(LIMIT_CLIENT_CERT_BYTES));
  freezeLimits();
  return 0;
}

export function mh_xfer_ptr(): usize { return xfer; }
export function mh_xfer_cap(): u32 { return mem_xfer_size(); }

/** Adds the DER certificate in the transfer window as a trust anchor:
 *  before mh_open, or while the core asks for anchors (EV_NEED_ANCHOR). */
export function mh_anchor_add(len: u32): u32 {
  if (!limitsFrozen() || (opened && !tx_anchor_pending()) || len > mem_xfer_size()) return ERR_STATE;
  const code = store_add(xfer, len);
  callDetail = store_detail();
  return code;
}

export function mh_anchor_count(): u32 { return store_count(); }

/** SHA-256 of the subject Name of the DER certificate in the transfer window: 32 bytes at the returned address (0: unreadable). */
export function mh_anchor_subject_hash(len: u32): usize {
  if (!limitsFrozen() || len > mem_xfer_size()) return 0;
  return anchor_subject_hash(xfer, len);
}

/** After EV_NEED_ANCHOR: the SHA-256 (32 bytes) of the issuer Name the core needs anchors for. */
export function mh_anchor_query_ptr(): usize { return tx_anchor_query(); }

/** After EV_NEED_ANCHOR: the host added every anchor it has for that issuer (possibly none). */
export function mh_anchor_resume(): u32 {
  if (!tx_anchor_pending()) return ERR_STATE;
  tx_anchor_resume();
  return 0;
}

/** Pins a public key: the transfer window holds the 32-byte sha256 of a DER SubjectPublicKeyInfo. */
export function mh_pin_add(): u32 {
  if (!limitsFrozen() || opened) return ERR_STATE;
  return pin_add(xfer);
}

/** Appends the DER certificate in the transfer window to the client certificate chain (leaf first). */
export function mh_client_cert_add(len: u32): u32 {
  if (!limitsFrozen() || opened || len > mem_xfer_size()) return ERR_STATE;
  const code = client_cert_add(xfer, len);
  callDetail = client_detail();
  return code;
}

/** Sets the client's private key from the DER in the transfer window (PKCS#8, RSA or EC form). */
export function mh_client_key_set(len: u32): u32 {
  if (!limitsFrozen() || opened || len > mem_xfer_size()) return ERR_STATE;
  const code = client_key_set(xfer, len);
  callDetail = client_detail();
  return code;
}

/** Restricts the TLS suites offered to the SUITE_* families in mask: after mh_init, before mh_open. */
export function mh_tls_suites(mask: u32): u32 {
  if (!limitsFrozen() || opened) return ERR_STATE;
  return tls_suites(mask);
}

/** Starts a connection: TLS when flags has OPEN_TLS, to the server name in the transfer window. */
export function mh_open(flags: u32, nameLen: u32): u32 {
  if (!limitsFrozen() || nameLen > mem_xfer_size()) return ERR_STATE;
  clearError();
  connectionReset();
  opened = true;
  tlsOpened = (flags & OPEN_TLS) != 0;
  // On demand, each connection starts with an empty store and gets only what it asks for.
  if (flags & OPEN_ANCHORS_ON_DEMAND) store_init(trustStore, limit(LIMIT_TRUST_STORE_BYTES));
  const code = tx_open(flags, ioBuffer, ioBufferBytes(), xfer, nameLen);
  if (code != 0 && (flags & OPEN_TLS)) fail(code, 0);
  return code;
}

/** Begins an orderly close (TLS close_notify): keep stepping to send it. */
export function mh_close(): void { tx_close(); }

// ---- the loop ----------------------------------------------------------

export function mh_step(): u32 { return step(); }
export function mh_send_ptr(): usize { return sendPtr; }
export function mh_send_len(): u32 { return sendLen; }
export function mh_send_ack(n: u32): void { tx_ack(TX_SENDREC, min(n, sendLen)); }
export function mh_recv_ptr(): usize { return recvPtr; }
export function mh_recv_cap(): u32 { return recvCap; }
export function mh_recv_commit(n: u32): void { tx_ack(TX_RECVREC, min(n, recvCap)); }
export function mh_recv_eof(): void { markPeerEof(); }

// ---- requests ----------------------------------------------------------

/** Transfer window: method, then target, then host, back to back. */
export function mh_request_start(methodLen: u32, targetLen: u32, hostLen: u32): u32 {
  if (<u64>methodLen + targetLen + hostLen > mem_xfer_size()) return ERR_CONFIG;
  const code = beginRequest();
  if (code != 0) return code;
  return checkCall(requestStart(xfer, methodLen, xfer + methodLen, targetLen, xfer + methodLen + targetLen, hostLen));
}

/** Transfer window: name, then value. */
export function mh_request_header(nameLen: u32, valueLen: u32): u32 {
  if (!requestBuilding()) return ERR_STATE;
  if (<u64>nameLen + valueLen > mem_xfer_size()) return ERR_CONFIG;
  return checkCall(requestHeader(xfer, nameLen, xfer + nameLen, valueLen));
}

export function mh_request_end(bodyKind: u32, lengthLow: u32, lengthHigh: u32): u32 {
  if (!requestBuilding()) return ERR_STATE;
  const code = checkCall(requestEnd(bodyKind, (<u64>lengthHigh << 32) | lengthLow));
  if (code == 0) finishRequestHead();
  return code;
}

/** Offers n body bytes from the transfer window; returns how many were taken (-1: error). */
export function mh_body_write(n: u32): i32 { return writeBody(xfer, min(n, mem_xfer_size())); }
export function mh_body_end(): u32 { return endBodyRequested(); }

function checkCall(code: u32): u32 {
  if (code != 0) {
    callDetail = writerDetail;
    abandonRequest();
  }
  return code;
}

// ---- the response ------------------------------------------------------

export function mh_status(): u32 { return status; }
export function mh_version_minor(): u32 { return versionMinor; }
export function mh_reason_ptr(): usize { return reasonPtr; }
export function mh_reason_len(): u32 { return reasonLen; }
export function mh_header_count(): u32 { return fieldCount; }
/** The field index itself: mh_header_count() entries of 4 u32 (name ptr, name len, value ptr, value len), read in one go. */
export function mh_header_table_ptr(): usize { return fieldIndex(); }
export function mh_header_name_ptr(i: u32): usize { return i < fieldCount ? fieldNamePtr(i) : 0; }
export function mh_header_name_len(i: u32): u32 { return i < fieldCount ? fieldNameLen(i) : 0; }
export function mh_header_value_ptr(i: u32): usize { return i < fieldCount ? fieldValuePtr(i) : 0; }
export function mh_header_value_len(i: u32): u32 { return i < fieldCount ? fieldValueLen(i) : 0; }
export function mh_body_ptr(): usize { return bodyPtr; }
export function mh_body_len(): u32 { return bodyLen; }
export function mh_keep_alive(): u32 { return persistent ? 1 : 0; }

// ---- errors, TLS facts, memory ----------------------------------------

export function mh_error_code(): u32 { return errorCode; }
export function mh_error_detail(): u32 { return errorDetail; }
export function mh_call_detail(): u32 { return callDetail; }
export function mh_tls_version(): u32 { return tx_version(); }
export function mh_tls_suite(): u32 { return tx_suite(); }
export function mh_error_reason(): u32 { return tx_reason(); }
export function mh_error_subject_ptr(): usize { return tx_offender_ptr(); }
export function mh_error_subject_len(): u32 { return tx_offender_len(); }
export function mh_peer_count(): u32 { return peer_count(); }
export function mh_peer_field_ptr(i: u32, field: u32): usize { return peer_field_ptr(i, field); }
export function mh_peer_field_len(i: u32, field: u32): u32 { return peer_field_len(i, field); }

export function mh_tls_resumed(): u32 { return session_resumed(); }
export function mh_tls_max_fragment(): u32 { return tls_max_fragment(); }

/** After the handshake: a maximum fragment length was offered and not
 * accepted, so the server may send records larger than the buffer. A resumed
 * session explains it (OpenSSL leaves the extension out when the session was
 * made without it), so a full handshake is worth a try before going without. */
export function mh_tls_retry_advice(): u32 {
  if (!tlsOpened || limit(LIMIT_MAX_FRAGMENT_BYTES) == 0 || tls_max_fragment() != 0) return RETRY_NONE;
  return session_resumed() ? RETRY_WITHOUT_SESSION : RETRY_WITHOUT_MFL;
}

// ---- sessions ----------------------------------------------------------

/** Writes the established TLS session to the transfer window; returns its length (0: none). */
export function mh_session_export(): u32 {
  if (!limitsFrozen()) return 0;
  return session_export(xfer);
}

/** Takes a session exported earlier from the transfer window; the next TLS mh_open offers it. */
export function mh_session_import(len: u32): u32 {
  if (!limitsFrozen() || len > mem_xfer_size()) return ERR_STATE;
  return session_import(xfer, len);
}

export function mh_mem(kind: u32): u32 {
  if (kind == MEM_STACK_SIZE) return mem_stack_size();
  if (kind == MEM_STACK_PEAK) return mem_stack_peak();
  if (kind == MEM_STATIC_DATA) return staticData();
  if (kind == MEM_ARENA_SIZE) return mem_arena_size();
  if (kind == MEM_ARENA_USED) return arenaUsed();
  if (kind == MEM_IO_BUFFER) return ioBufferBytes();
  if (kind == MEM_HEAD_BUFFER) return limit(LIMIT_HEADER_BYTES) + limit(LIMIT_HEADER_COUNT) * FIELD_ENTRY_BYTES;
  if (kind == MEM_REQUEST_HEAD) return limit(LIMIT_REQUEST_HEAD_BYTES);
  if (kind == MEM_TRUST_STORE) return store_used();
  if (kind == MEM_TLS_STATE) return mem_tls_state();
  if (kind == MEM_XFER_WINDOW) return mem_xfer_size();
  if (kind == MEM_HEAP_BASE) return heapBase();
  if (kind == MEM_USED_PEAK) return staticData() + mem_stack_peak() + arenaUsed();
  if (kind == MEM_ARENA_BASE) return <u32>arenaBase();
  return 0;
}

/** The build aligns the exported __heap_base to 16 bytes; report the same figure. */
function heapBase(): u32 {
  return (<u32>__heap_base + 15) & ~15;
}

/** C and AssemblyScript statics: everything below __heap_base but the stack and the arena. */
function staticData(): u32 {
  return heapBase() - mem_stack_size() - mem_arena_size();
}

/** Zeroes what an idle connection does not use, when nothing is buffered
 * (see spec/abi.json): no plaintext of the last exchange stays, and the
 * state a host parks is a fixed size. The transport checks its own side. */
export function mh_idle_wipe(): u32 {
  if (!opened || !betweenResponses() || !tx_wipe_idle()) return ERR_STATE;
  headWipe();
  writerWipe();
  memory.fill(xfer, 0, mem_xfer_size());
  return 0;
}

/** Placeholders: tools/build.mjs writes both, since only the merged module knows every global. */
export function mh_globals_save(ptr: usize): u32 { return 0; }
export function mh_globals_load(ptr: usize): void {}
