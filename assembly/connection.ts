// The sans-IO engine of one connection: mh_step() looks at the transport and
// the HTTP state and names the one thing the host must do next (send, receive,
// take a head, take body bytes, ...). Nothing here blocks or does I/O.
import {
  EV_IDLE, EV_ERROR, EV_SEND, EV_RECV, EV_WRITE_BODY, EV_BODY, EV_DONE, EV_NEED_ANCHOR,
  TX_CLOSED, TX_SENDREC, TX_RECVREC, TX_SENDAPP, TX_RECVAPP, BODY_NONE,
  ERR_CLOSED, ERR_INTERNAL, ERR_REQUEST_INVALID, ERR_STATE, REQ_BODY_NOT_EXPECTED,
} from "./generated/spec";
import { fail, failed } from "./base/error";
import { tx_state, tx_window, tx_window_len, tx_ack, tx_flush, tx_error, tx_detail, tx_peer_eof, tx_anchor_pending } from "./generated/tls";
import { parse, parseEof, consumed, expectResponse, NEED_INPUT } from "./http/responseParser";
import {
  headPending, copyHeadTo, bodyKind, requestIsHead, requestAskedClose, bodyWrite, framedBytes, bodyEndBytes, writeBodyEnd,
} from "./http/requestWriter";

// Where the request stands.
const REQ_NONE: u32 = 0;      // no request: the connection is idle (or handshaking)
const REQ_BUILDING: u32 = 1;  // between mh_request_start and mh_request_end
const REQ_HEAD: u32 = 2;      // the head is being copied into the transport
const REQ_BODY: u32 = 3;      // the host is writing the body
const REQ_BODY_END: u32 = 4;  // the body's terminator is waiting for room
const REQ_SENT: u32 = 5;      // all sent: the response is being read

let request: u32 = REQ_NONE;
let peerEof = false;
let bodyViewBytes: u32 = 0;   // RECVAPP bytes handed out as a body view, acked on the next step

export let sendPtr: usize = 0;
export let sendLen: u32 = 0;
export let recvPtr: usize = 0;
export let recvCap: u32 = 0;

export function connectionReset(): void {
  request = REQ_NONE;
  peerEof = false;
  bodyViewBytes = 0;
}

export function requestBuilding(): bool {
  return request == REQ_BUILDING;
}

export function beginRequest(): u32 {
  if (request != REQ_NONE) return ERR_STATE;
  request = REQ_BUILDING;
  return 0;
}

/** No request begun and the last response read whole: nothing of an exchange is live. */
export function betweenResponses(): bool {
  return request == REQ_NONE && bodyViewBytes == 0 && !peerEof && !failed();
}

export function abandonRequest(): void {
  request = REQ_NONE;
}

export function finishRequestHead(): void {
  request = REQ_HEAD;
}

export function markPeerEof(): void {
  peerEof = true;
  tx_peer_eof();
}

/** Bound on internal iterations per step: each one makes progress, so this is never reached in practice. */
const STEP_GUARD: u32 = 10000;

export function step(): u32 {
  if (failed()) return EV_ERROR;
  if (bodyViewBytes != 0) {
    tx_ack(TX_RECVAPP, bodyViewBytes);
    bodyViewBytes = 0;
  }
  for (let guard: u32 = 0; guard < STEP_GUARD; guard++) {
    if (tx_anchor_pending()) return EV_NEED_ANCHOR;
    const st = tx_state();
    if (st & TX_CLOSED) return transportClosed();
    if (st & TX_SENDREC) return offerSend();
    if (request == REQ_HEAD) {
      if (!(st & TX_SENDAPP)) return needInputOr(st, EV_IDLE);
      sendHead();
      continue;
    }
    if (request == REQ_BODY) {
      if (st & TX_SENDAPP) return EV_WRITE_BODY;
      return needInputOr(st, EV_IDLE);
    }
    if (request == REQ_BODY_END) {
      if (!(st & TX_SENDAPP) || !endBody()) return needInputOr(st, EV_IDLE);
      continue;
    }
    if (request == REQ_SENT) {
      const ev = readResponse(st);
      if (ev != NEED_INPUT) return ev;
      continue;
    }
    // Idle or building: drive the TLS handshake until application data can flow.
    if (!(st & TX_SENDAPP) && (st & TX_RECVREC)) return needInput();
    return EV_IDLE;
  }
  fail(ERR_INTERNAL, 1);
  return EV_ERROR;
}

function offerSend(): u32 {
  sendPtr = tx_window(TX_SENDREC);
  sendLen = tx_window_len();
  return EV_SEND;
}

function needInput(): u32 {
  if (peerEof) {
    fail(ERR_CLOSED, 0);
    return EV_ERROR;
  }
  recvPtr = tx_window(TX_RECVREC);
  recvCap = tx_window_len();
  return EV_RECV;
}

function needInputOr(st: u32, otherwise: u32): u32 {
  return st & TX_RECVREC ? needInput() : otherwise;
}

function sendHead(): void {
  const dst = tx_window(TX_SENDAPP);
  const room = tx_window_len();
  tx_ack(TX_SENDAPP, copyHeadTo(dst, room));
  if (headPending()) return;
  if (bodyKind == BODY_NONE) requestSent();
  else {
    tx_flush();
    request = REQ_BODY;
  }
}

function requestSent(): void {
  tx_flush();
  request = REQ_SENT;
  expectResponse(requestIsHead, requestAskedClose);
}

/** The host offers n body bytes at src; returns how many were taken, or -1 on error. */
export function writeBody(src: usize, n: u32): i32 {
  if (request != REQ_BODY) {
    // after mh_body_end, or for a request declared without a body: the bytes
    // would be read by the server as the start of another request
    const late = request == REQ_BODY_END || request == REQ_SENT;
    fail(late ? ERR_REQUEST_INVALID : ERR_STATE, late ? REQ_BODY_NOT_EXPECTED : 0);
    return -1;
  }
  if (!(tx_state() & TX_SENDAPP)) return 0;
  const dst = tx_window(TX_SENDAPP);
  const room = tx_window_len();
  const taken = bodyWrite(src, n, dst, room);
  if (taken < 0) {
    fail(ERR_REQUEST_INVALID, <u32>-taken);
    return -1;
  }
  tx_ack(TX_SENDAPP, framedBytes);
  tx_flush();
  return <i32>taken;
}

export function endBodyRequested(): u32 {
  if (request != REQ_BODY) return ERR_STATE;
  const need = bodyEndBytes();
  if (need < 0) {
    fail(ERR_REQUEST_INVALID, <u32>-need);
    return ERR_REQUEST_INVALID;
  }
  request = REQ_BODY_END;
  return 0;
}

function endBody(): bool {
  const need = <u32>bodyEndBytes();
  if (need > 0) {
    const dst = tx_window(TX_SENDAPP);
    if (tx_window_len() < need) return false;
    tx_ack(TX_SENDAPP, writeBodyEnd(dst));
  }
  requestSent();
  return true;
}

function readResponse(st: u32): u32 {
  let p: usize = 0;
  let n: u32 = 0;
  if (st & TX_RECVAPP) {
    p = tx_window(TX_RECVAPP);
    n = tx_window_len();
  }
  const ev = parse(p, n);
  if (ev == EV_BODY) bodyViewBytes = consumed;
  else if (consumed != 0) tx_ack(TX_RECVAPP, consumed);
  if (ev == EV_DONE) request = REQ_NONE;
  if (ev != NEED_INPUT) return ev;
  if (consumed != 0) return NEED_INPUT; // progress: look again
  if (peerEof) return endOfStream(false);
  if (st & TX_RECVREC) return needInput();
  fail(ERR_INTERNAL, 2);
  return EV_ERROR;
}

/** `clean`: the transport closed in order (TLS close_notify, or plain TCP). */
function endOfStream(clean: bool): u32 {
  const ev = parseEof(clean);
  if (ev == EV_DONE) request = REQ_NONE;
  return ev;
}

function transportClosed(): u32 {
  const code = tx_error();
  if (code != 0) {
    fail(code, tx_detail());
    return EV_ERROR;
  }
  if (request == REQ_SENT) return endOfStream(true);
  if (request == REQ_NONE) return EV_IDLE;
  fail(ERR_CLOSED, 0);
  return EV_ERROR;
}

