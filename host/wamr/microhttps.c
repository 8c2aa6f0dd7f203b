/*
 * The C API of microhttps.h: one connection = one instance of the core plus
 * one socket. This file is the host's half of the sans-IO loop: it runs
 * mh_step() and does what each event asks (send, receive, take body bytes).
 */
#include <stdio.h>
#include <string.h>

#include "anchors.h"
#include "core_calls.h"
#include "microhttps/spec.h"
#include "microhttps/spec_names.h"
#include "microhttps.h"
#include "socket_io.h"

enum conn_state {
    CONN_CLOSED,  /* not open (or closed) */
    CONN_READY,   /* open, no request in progress */
    CONN_BODY,    /* response head read, body being read */
    CONN_SPENT,   /* a response completed and the connection cannot carry another */
    CONN_DEAD,    /* failed: only microhttps_close() is allowed */
};

/* Best-effort wait for the peer to take close_notify. */
#define CLOSE_TIMEOUT_MS 1000u

static uint32_t or_default(uint32_t value, uint32_t fallback) {
    return value ? value : fallback;
}

/* Sends what the core asks to send (EV_SEND). */
static int do_send(microhttps *conn, uint32_t timeout_ms, microhttps_error *err) {
    uint32_t ptr = core_call0(conn, X_SEND_PTR, err);
    uint32_t len = core_call0(conn, X_SEND_LEN, err);
    if (err->code) return -1;
    const uint8_t *out = core_view(conn, ptr, len);
    if (!out) return core_fail(err, MH_ERR_INTERNAL, 0, "send window outside linear memory"), -1;
    long n = socket_send(conn->fd, out, len, timeout_ms, err);
    if (n < 0) return -1;
    core_call1(conn, X_SEND_ACK, (uint32_t)n, err);
    return err->code ? -1 : 0;
}

/* Receives straight into the core's receive window (EV_RECV): nothing is left over. */
static int do_recv(microhttps *conn, uint32_t timeout_ms, microhttps_error *err) {
    uint32_t ptr = core_call0(conn, X_RECV_PTR, err);
    uint32_t cap = core_call0(conn, X_RECV_CAP, err);
    if (err->code) return -1;
    uint8_t *in = core_view(conn, ptr, cap);
    if (!in) return core_fail(err, MH_ERR_INTERNAL, 0, "receive window outside linear memory"), -1;
    long n = socket_recv(conn->fd, in, cap, timeout_ms, err);
    if (n < 0) return -1;
    if (n == 0) core_call0(conn, X_RECV_EOF, err);
    else core_call1(conn, X_RECV_COMMIT, (uint32_t)n, err);
    return err->code ? -1 : 0;
}

/* A failed handshake names the suites offered: the cure may be another choice (options.suites). */
static void name_offered_suites(microhttps *conn, microhttps_error *err) {
    size_t used = strlen(err->message), cap = sizeof err->message;
    const char *sep = "; suites offered: ";
    if (!conn->suites) snprintf(err->message + used, cap - used, "%severy one the core has", sep);
    for (uint32_t bit = 1; bit && conn->suites >= bit; bit <<= 1) {
        if (!(conn->suites & bit) || !mh_suite_name(bit)) continue;
        used += (size_t)snprintf(err->message + used, cap - used, "%s%s", sep, mh_suite_name(bit));
        if (used >= cap) break;
        sep = ", ";
    }
}

/* Steps the core, doing the I/O it asks for, until an HTTP-level event; the event, or -1 with err set. */
static int next_event(microhttps *conn, uint32_t timeout_ms, const char *during, microhttps_error *err) {
    for (;;) {
        uint32_t ev = core_call0(conn, X_STEP, err);
        if (err->code) return -1;
        if (ev == MH_EV_SEND) {
            if (do_send(conn, timeout_ms, err) < 0) return -1;
        } else if (ev == MH_EV_RECV) {
            if (do_recv(conn, timeout_ms, err) < 0) return -1;
        } else if (ev == MH_EV_NEED_ANCHOR) {
            if (anchors_answer_query(conn, err) < 0) return -1;
        } else if (ev == MH_EV_ERROR) {
            uint32_t code = core_call0(conn, X_ERROR_CODE, err);
            uint32_t detail = core_call0(conn, X_ERROR_DETAIL, err);
            if (!err->code) core_error(err, code, detail, during);
            if (code == MH_ERR_TLS_HANDSHAKE) name_offered_suites(conn, err);
            return -1;
        } else {
            return (int)ev;
        }
    }
}

/* The Host field for the options: RFC 9110 §7.2 (a port only when it is not the scheme's default). */
static int host_field(microhttps *conn, const microhttps_options *o) {
    int v6 = strchr(o->host, ':') != NULL;
    int default_port = o->port == (o->tls ? 443 : 80);
    char port[8] = "";
    if (!default_port) snprintf(port, sizeof port, ":%u", o->port);
    int n = snprintf(conn->host_field, sizeof conn->host_field, "%s%s%s%s", v6 ? "[" : "", o->host, v6 ? "]" : "", port);
    return n < 0 || (size_t)n >= sizeof conn->host_field ? -1 : 0;
}

/* Asks for a Maximum Fragment Length: the core then carves a smaller record buffer at mh_init. */
static int ask_max_fragment(microhttps *conn, uint32_t bytes, microhttps_error *err) {
    uint32_t code = core_call(conn, X_LIMIT_SET, 2, (uint32_t[]){ MH_LIMIT_MAX_FRAGMENT_BYTES, bytes }, err);
    return check_call(conn, code, "max_fragment must be 0, 512, 1024, 2048 or 4096", err);
}

/* Restricts the TLS suites offered to the MH_SUITE_* families of the mask. */
static int offer_suites(microhttps *conn, uint32_t mask, microhttps_error *err) {
    uint32_t code = core_call1(conn, X_TLS_SUITES, mask, err);
    return check_call(conn, code, "suites: no suite of the mask (MH_SUITE_*) is in this core", err);
}

/* Gives the core a saved session to offer in its ClientHello. */
static int offer_session(microhttps *conn, const microhttps_options *o, microhttps_error *err) {
    if (core_put_xfer(conn, 0, o->session, o->session_len, err)) return (int)err->code;
    uint32_t code = core_call1(conn, X_SESSION_IMPORT, (uint32_t)o->session_len, err);
    return check_call(conn, code, "session: not one saved by microhttps_session() of this core", err);
}

/* Everything of open but the cleanup on failure; versions: MH_OPEN_TLS13 or MH_OPEN_DOWNGRADE_CHECK or 0. */
static int open_connection(microhttps *conn, const microhttps_core *core, const microhttps_options *o, uint32_t versions,
                           microhttps_error *err) {
    uint32_t connect_ms = or_default(o->connect_timeout_ms, MICROHTTPS_DEFAULT_TIMEOUT_MS);
    if (core_instantiate(conn, core, or_default(o->wasm_stack_bytes, MICROHTTPS_DEFAULT_WASM_STACK), err)) return (int)err->code;
    if (o->tls && o->max_fragment && ask_max_fragment(conn, o->max_fragment, err)) return (int)err->code;
    uint32_t code = core_call0(conn, X_INIT, err);
    if (check_call(conn, code, o->max_fragment ? "mh_init: max_fragment must be 512, 1024, 2048 or 4096"
                                               : "mh_init: the limits do not fit in the core's arena", err))
        return (int)err->code;
    if (o->tls && anchors_check(conn, o, err)) return (int)err->code;
    conn->suites = o->suites;
    if (o->tls && o->suites && offer_suites(conn, o->suites, err)) return (int)err->code;
    if (o->tls && o->session && o->session_len && offer_session(conn, o, err)) return (int)err->code;
    conn->fd = socket_connect(o->host, o->address, o->port, connect_ms, err);
    if (conn->fd < 0) return (int)err->code;
    size_t name_len = strlen(o->host);
    if (core_put_xfer(conn, 0, o->host, name_len, err)) return (int)err->code;
    uint32_t flags = o->tls ? MH_OPEN_TLS | MH_OPEN_ANCHORS_ON_DEMAND | versions : 0;
    code = core_call(conn, X_OPEN, 2, (uint32_t[]){ flags, (uint32_t)name_len }, err);
    if (check_call(conn, code, "opening the connection", err)) return (int)err->code;
    if (o->tls) {
        int ev = next_event(conn, connect_ms, "TLS handshake", err);
        if (ev < 0) return (int)err->code;
        if (ev != MH_EV_IDLE) return core_fail(err, MH_ERR_INTERNAL, (uint32_t)ev, "handshake ended with event %d instead of EV_IDLE", ev);
    }
    return 0;
}

static int open_again(microhttps *conn, const microhttps_core *core, const microhttps_options *o, uint32_t advice, microhttps_error *err);

enum { TLS12 = 0x0303, TLS13 = 0x0304, SERVER_SPEAKS_TLS12 = -1, DOWNGRADED = -2 };

/* One attempt, cleaned up when it fails; SERVER_SPEAKS_TLS12 when TLS 1.3 met a TLS-1.2-only server,
 * DOWNGRADED when a TLS 1.2 session met the downgrade sentinel. */
static int open_attempt(microhttps *conn, const microhttps_core *core, const microhttps_options *o, uint32_t versions,
                        microhttps_error *err) {
    int rc = open_connection(conn, core, o, versions, err);
    uint32_t reason = rc && err->code == MH_ERR_TLS_HANDSHAKE && conn->inst ? core_call0(conn, X_ERROR_REASON, &(microhttps_error){ 0 }) : 0;
    int tls12_server = (versions & MH_OPEN_TLS13) && reason == MH_REASON_SERVER_TLS12;
    if (rc) {
        socket_close(conn->fd);
        core_deinstantiate(conn);
        conn->fd = -1;
    }
    if ((versions & MH_OPEN_DOWNGRADE_CHECK) && reason == MH_REASON_DOWNGRADE && o->session_len) return DOWNGRADED;
    if (!tls12_server) return rc;
    snprintf(err->message, sizeof err->message, "TLS handshake: the server does not speak TLS 1.3 (it answered with TLS 1.2)");
    return SERVER_SPEAKS_TLS12;
}

/* TLS 1.3 first when tls_max_version asks for it (a TLS 1.2 session to resume
 * keeps 1.2 unless 1.3 is the minimum; a TLS 1.3 session goes with 1.3); one
 * TLS 1.2 attempt, with the downgrade check, when the server answers with TLS
 * 1.2 and 1.2 is allowed. A TLS 1.2 session checks the downgrade sentinel
 * too, and a server that sends it (it now speaks TLS 1.3) gets a TLS 1.3
 * attempt without that session: trying a higher version opens no downgrade. */
static int open_versions(microhttps *conn, const microhttps_core *core, const microhttps_options *o, microhttps_error *err) {
    uint32_t lo = or_default(o->tls_min_version, TLS12), hi = or_default(o->tls_max_version, TLS12);
    if (lo < TLS12 || hi > TLS13 || lo > hi)
        return core_fail(err, MH_ERR_CONFIG, 0, "tls_min_version and tls_max_version must be 0x0303 or 0x0304, min <= max");
    int tls12_session = o->session && o->session_len && o->session[0] == MH_SESSION_FORMAT;
    int tls13_first = o->tls && hi == TLS13 && (lo == TLS13 || !tls12_session);
    int rc = open_attempt(conn, core, o, tls13_first ? MH_OPEN_TLS13 : hi == TLS13 ? MH_OPEN_DOWNGRADE_CHECK : 0, err);
    if (rc == DOWNGRADED && o->tls && hi == TLS13) {
        microhttps_options fresh = *o;
        fresh.session_len = 0;
        memset(err, 0, sizeof *err);
        return open_attempt(conn, core, &fresh, MH_OPEN_TLS13, err) ? (int)err->code : 0;
    }
    if (rc != SERVER_SPEAKS_TLS12) return rc;
    if (lo == TLS13) return (int)err->code;
    memset(err, 0, sizeof *err);
    return open_attempt(conn, core, o, MH_OPEN_DOWNGRADE_CHECK, err) ? (int)err->code : 0;
}

int microhttps_open(microhttps *conn, const microhttps_core *core, const microhttps_options *o, microhttps_error *err) {
    memset(conn, 0, sizeof *conn);
    memset(err, 0, sizeof *err);
    conn->fd = -1;
    if (!core || !core->module || !o || !o->host || !o->host[0] || !o->port)
        return core_fail(err, MH_ERR_CONFIG, 0, "microhttps_open needs a loaded core, a host and a port");
    conn->read_timeout_ms = or_default(o->read_timeout_ms, MICROHTTPS_DEFAULT_TIMEOUT_MS);
    if (host_field(conn, o) < 0) return core_fail(err, MH_ERR_CONFIG, 0, "host name too long");
    if (open_versions(conn, core, o, err)) return (int)err->code;
    conn->state = CONN_READY;
    uint32_t advice = core_call0(conn, X_TLS_RETRY_ADVICE, err);
    if (err->code) {
        microhttps_close(conn);
        return (int)err->code;
    }
    return advice == MH_RETRY_NONE ? 0 : open_again(conn, core, o, advice, err);
}

/*
 * The core's advice after the handshake (mh_tls_retry_advice): the server did
 * not accept max_fragment_length, so connect again (nothing was sent yet)
 * without the session it resumed, or without MFL. At most two more
 * connections: a full handshake never advises going without the session.
 */
static int open_again(microhttps *conn, const microhttps_core *core, const microhttps_options *o, uint32_t advice, microhttps_error *err) {
    microhttps_options again = *o;
    if (advice == MH_RETRY_WITHOUT_SESSION) {
        again.session = NULL;
        again.session_len = 0;
    } else {
        again.max_fragment = 0;
    }
    microhttps_close(conn);
    return microhttps_open(conn, core, &again, err);
}

/* Writes the request head: request line, Host, the caller's fields, framing. */
static int write_head(microhttps *conn, const microhttps_req *r, microhttps_error *err) {
    const char *host = conn->host_field;
    size_t method = strlen(r->method), target = strlen(r->target), host_len = strlen(host);
    if (core_put_xfer(conn, 0, r->method, method, err) || core_put_xfer(conn, (uint32_t)method, r->target, target, err) ||
        core_put_xfer(conn, (uint32_t)(method + target), host, host_len, err))
        return (int)err->code;
    uint32_t code = core_call(conn, X_REQUEST_START, 3, (uint32_t[]){ (uint32_t)method, (uint32_t)target, (uint32_t)host_len }, err);
    if (check_call(conn, code, "request line", err)) return (int)err->code;
    for (uint32_t i = 0; i < r->header_count; i++) {
        const microhttps_field *f = &r->headers[i];
        if (core_put_xfer(conn, 0, f->name, f->name_len, err) || core_put_xfer(conn, f->name_len, f->value, f->value_len, err)) return (int)err->code;
        code = core_call(conn, X_REQUEST_HEADER, 2, (uint32_t[]){ f->name_len, f->value_len }, err);
        if (check_call(conn, code, "request header", err)) return (int)err->code;
    }
    uint64_t len = r->body ? (uint64_t)r->body_len : 0;
    uint32_t kind = r->body ? MH_BODY_LENGTH : MH_BODY_NONE;
    code = core_call(conn, X_REQUEST_END, 3, (uint32_t[]){ kind, (uint32_t)len, (uint32_t)(len >> 32) }, err);
    return check_call(conn, code, "request head", err);
}

/* Offers the next piece of the body when the core asks (EV_WRITE_BODY); *offset advances by what it took. */
static int write_body(microhttps *conn, const microhttps_req *r, size_t *offset, microhttps_error *err) {
    if (!r->body || *offset == r->body_len) return check_call(conn, core_call0(conn, X_BODY_END, err), "request body", err);
    uint32_t cap = core_call0(conn, X_XFER_CAP, err);
    if (err->code) return (int)err->code;
    size_t piece = r->body_len - *offset < cap ? r->body_len - *offset : cap;
    if (core_put_xfer(conn, 0, r->body + *offset, piece, err)) return (int)err->code;
    int32_t taken = (int32_t)core_call1(conn, X_BODY_WRITE, (uint32_t)piece, err);
    if (err->code) return (int)err->code;
    if (taken > 0) *offset += (size_t)taken; /* -1: the core reports EV_ERROR at the next step */
    return 0;
}

/* Refuses a call in the wrong state; 0 when allowed. */
static int require_state(microhttps *conn, int wanted, const char *call, microhttps_error *err) {
    memset(err, 0, sizeof *err);
    if (conn->state == wanted) return 0;
    static const char *const why[] = {
        [CONN_CLOSED] = "the connection is not open",
        [CONN_READY] = "no response is being read",
        [CONN_BODY] = "the previous response's body is not read to the end",
        [CONN_SPENT] = "the server will not take another request on this connection: open a new one",
        [CONN_DEAD] = "the connection failed earlier: close it",
    };
    return core_fail(err, MH_ERR_STATE, 0, "%s: %s", call, why[conn->state]);
}

/* Marks the connection dead on failure; passes the code through. */
static int failed(microhttps *conn, microhttps_error *err) {
    conn->state = CONN_DEAD;
    return (int)err->code;
}

int microhttps_request(microhttps *conn, const microhttps_req *r, microhttps_error *err) {
    if (require_state(conn, CONN_READY, "microhttps_request", err)) return (int)err->code;
    if (!r || !r->method || !r->target) return core_fail(err, MH_ERR_REQUEST_INVALID, 0, "a request needs a method and a target");
    /* A refused head leaves a half-built request in the core: the connection is done for. */
    if (write_head(conn, r, err)) return failed(conn, err);
    size_t offset = 0;
    for (;;) {
        int ev = next_event(conn, conn->read_timeout_ms, "request", err);
        if (ev < 0) return failed(conn, err);
        if (ev == MH_EV_WRITE_BODY) {
            if (write_body(conn, r, &offset, err)) return failed(conn, err);
        } else if (ev == MH_EV_HEAD) {
            conn->status = core_call0(conn, X_STATUS, err);
            if (err->code) return failed(conn, err);
            if (conn->status >= 200) break; /* 1xx heads are interim: another follows */
        } else {
            core_fail(err, MH_ERR_INTERNAL, (uint32_t)ev, "expected a response head, the core said event %d", ev);
            return failed(conn, err);
        }
    }
    conn->body_left = 0;
    conn->state = CONN_BODY;
    return 0;
}

uint32_t microhttps_status(microhttps *conn) {
    return conn->state == CONN_CLOSED || conn->state == CONN_DEAD ? 0 : conn->status;
}

uint32_t microhttps_header_count(microhttps *conn) {
    microhttps_error ignored = { 0 };
    return conn->state == CONN_BODY ? core_call0(conn, X_HEADER_COUNT, &ignored) : 0;
}

int microhttps_header(microhttps *conn, uint32_t i, microhttps_field *f) {
    microhttps_error err = { 0 };
    if (conn->state != CONN_BODY || i >= microhttps_header_count(conn)) return -1;
    uint32_t name = core_call1(conn, X_HEADER_NAME_PTR, i, &err), value = core_call1(conn, X_HEADER_VALUE_PTR, i, &err);
    f->name_len = core_call1(conn, X_HEADER_NAME_LEN, i, &err);
    f->value_len = core_call1(conn, X_HEADER_VALUE_LEN, i, &err);
    f->name = (const char *)core_view(conn, name, f->name_len);
    f->value = (const char *)core_view(conn, value, f->value_len);
    return err.code || !f->name || !f->value ? -1 : 0;
}

/* Steps until body bytes are pending (1) or the response is complete (0); -1 on error. */
static int fill_body(microhttps *conn, microhttps_error *err) {
    while (conn->body_left == 0) {
        int ev = next_event(conn, conn->read_timeout_ms, "response body", err);
        if (ev < 0) return -1;
        if (ev == MH_EV_DONE) {
            int again = core_call0(conn, X_KEEP_ALIVE, err) == 1;
            if (err->code) return -1;
            conn->state = again ? CONN_READY : CONN_SPENT;
            return 0;
        }
        if (ev == MH_EV_BODY) {
            uint32_t ptr = core_call0(conn, X_BODY_PTR, err), len = core_call0(conn, X_BODY_LEN, err);
            if (err->code) return -1;
            /* a view into the core's receive buffer, valid until the next mh_step() */
            conn->body = core_view(conn, ptr, len);
            if (len && !conn->body) return core_fail(err, MH_ERR_INTERNAL, 0, "body view outside linear memory"), -1;
            conn->body_left = len;
        } else if (ev != MH_EV_TRAILERS) {
            return core_fail(err, MH_ERR_INTERNAL, (uint32_t)ev, "unexpected event %d in a response body", ev), -1;
        }
    }
    return 1;
}

long microhttps_read(microhttps *conn, uint8_t *buf, size_t cap, microhttps_error *err) {
    if (conn->state == CONN_READY || conn->state == CONN_SPENT) {
        memset(err, 0, sizeof *err);
        return 0; /* the body is complete */
    }
    if (require_state(conn, CONN_BODY, "microhttps_read", err)) return -1;
    int pending = fill_body(conn, err);
    if (pending < 0) return failed(conn, err), -1;
    if (pending == 0) return 0;
    size_t n = conn->body_left < cap ? conn->body_left : cap;
    memcpy(buf, conn->body, n);
    conn->body += n;
    conn->body_left -= (uint32_t)n;
    return (long)n;
}

int microhttps_keep_alive(microhttps *conn) {
    return conn->state == CONN_READY;
}

void microhttps_close(microhttps *conn) {
    if (conn->inst && conn->fd >= 0 && conn->state != CONN_DEAD && conn->state != CONN_CLOSED) {
        microhttps_error ignored = { 0 };
        core_call0(conn, X_CLOSE, &ignored);
        /* close_notify is a courtesy: a peer that is gone does not make closing fail */
        while (!ignored.code && core_call0(conn, X_STEP, &ignored) == MH_EV_SEND && !ignored.code)
            if (do_send(conn, CLOSE_TIMEOUT_MS, &ignored) < 0) break;
    }
    socket_close(conn->fd);
    conn->fd = -1;
    core_deinstantiate(conn);
    conn->state = CONN_CLOSED;
}
