/*
 * Trust anchors from the caller's PEM bundle: checked once at open, then
 * given to the core per issuer when it asks (EV_NEED_ANCHOR), so the trust
 * store holds one or two anchors however large the bundle is.
 */
#include <string.h>

#include "anchors.h"
#include "core_calls.h"
#include "der.h"
#include "microhttps/spec.h"
#include "pem.h"

/* The transfer window, where certificates are decoded for the core. */
static uint8_t *xfer_window(microhttps *conn, uint32_t *cap, microhttps_error *err) {
    *cap = core_call0(conn, X_XFER_CAP, err);
    uint8_t *window = core_view(conn, core_call0(conn, X_XFER_PTR, err), *cap);
    if (!err->code && !window) core_fail(err, MH_ERR_INTERNAL, 0, "transfer window outside linear memory");
    return err->code ? NULL : window;
}

/* Checks the bundle once at open: every block must be a certificate whose
 * subject we can read (a system bundle may skip the odd one). The anchors
 * themselves are loaded only when the core asks for them. */
int check_anchors(microhttps *conn, const microhttps_options *o, microhttps_error *err) {
    if (!o->ca_pem || !o->ca_pem_len) return core_fail(err, MH_ERR_CONFIG, 0, "https needs trust anchors: options.ca_pem is empty");
    uint32_t cap;
    uint8_t *window = xfer_window(conn, &cap, err);
    if (!window) return (int)err->code;
    uint32_t usable = 0, index = 0;
    for (size_t pos = 0;; index++) {
        long n = pem_next_certificate(o->ca_pem, o->ca_pem_len, &pos, window, cap);
        if (n == PEM_NO_MORE) break;
        size_t off, len;
        if (n > 0 && der_subject_name(window, (size_t)n, &off, &len) == 0) usable++;
        else if (!o->ca_skip_unusable) {
            const char *why = n == PEM_MALFORMED ? "is not valid PEM base64"
                            : n == PEM_TOO_LARGE ? "is larger than the transfer window"
                            : "is not an X.509 certificate";
            return core_fail(err, MH_ERR_CONFIG, 0, "trust anchor #%u %s", index, why);
        }
    }
    if (usable == 0) return core_fail(err, MH_ERR_CONFIG, 0, "no usable trust anchor in ca_pem (%u blocks)", index);
    conn->ca_pem = o->ca_pem;
    conn->ca_pem_len = o->ca_pem_len;
    conn->ca_skip_unusable = o->ca_skip_unusable;
    return 0;
}

/* EV_NEED_ANCHOR: adds every certificate of the bundle whose subject Name has
 * the SHA-256 the core asks for (the core's own mh_sha256 hashes it), then
 * lets the handshake go on. The trust store holds only these. */
int answer_anchor_query(microhttps *conn, microhttps_error *err) {
    uint8_t wanted[32];
    const uint8_t *query = core_view(conn, core_call0(conn, X_ANCHOR_QUERY_PTR, err), sizeof wanted);
    if (err->code) return -1;
    if (!query) return core_fail(err, MH_ERR_INTERNAL, 0, "anchor query outside linear memory"), -1;
    memcpy(wanted, query, sizeof wanted);
    uint32_t cap;
    uint8_t *window = xfer_window(conn, &cap, err);
    if (!window) return -1;
    for (size_t pos = 0;;) {
        long n = pem_next_certificate(conn->ca_pem, conn->ca_pem_len, &pos, window, cap);
        if (n == PEM_NO_MORE) break;
        size_t off, len;
        if (n <= 0 || der_subject_name(window, (size_t)n, &off, &len) != 0) continue; /* reported at open */
        uint32_t hash = core_call(conn, X_SHA256, 2, (uint32_t[]){ (uint32_t)off, (uint32_t)len }, err);
        const uint8_t *digest = core_view(conn, hash, sizeof wanted);
        if (err->code) return -1;
        if (!digest || memcmp(digest, wanted, sizeof wanted) != 0) continue;
        uint32_t code = core_call1(conn, X_ANCHOR_ADD, (uint32_t)n, err); /* the DER is still in the window */
        if (err->code) return -1;
        if (code != 0 && !conn->ca_skip_unusable) {
            return core_fail(err, MH_ERR_CONFIG, core_call0(conn, X_CALL_DETAIL, err),
                "a trust anchor for this server could not be decoded, or the trust store (trustStoreBytes) is full"), -1;
        }
    }
    core_call0(conn, X_ANCHOR_RESUME, err);
    return err->code ? -1 : 0;
}

