/*
 * microhttps-wamr: fetches URLs through microhttps.wasm on WAMR.
 *
 *   microhttps-wamr URL... [--ca FILE] [--resolve host:port:addr]
 *                   [-X METHOD] [-H 'Name: value']... [-d DATA]
 *                   [--timeout MS] [--max-fragment N] [--session FILE]
 *                   [--tlsv1.2 | --tlsv1.3] [--tls-max 1.2|1.3]
 *                   [--wasm FILE] [--wasm-stack BYTES] [--wasi-natives] [--stats]
 *
 * Writes each response body to stdout. Several URLs on the same origin share
 * one keep-alive connection, like curl. On failure prints the error code
 * (CERT_EXPIRED, ...) on the first line of stderr, a message on the second,
 * and exits 1; usage errors exit 2. --stats prints memory figures to stderr
 * after each response (and WAMR's own breakdown when built with
 * `make PROFILE_MEMORY=1` against a WAMR_BUILD_MEMORY_PROFILING=1 runtime).
 * --session FILE offers the TLS session saved in FILE (if it exists) and saves
 * the newest one there after each response (mode 0600: it holds the master secret
 * or PSK), so the next run resumes it, after a reboot too (wall-clock ticket age).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microhttps/spec.h"
#include "microhttps/spec_names.h"
#include "microhttps.h"
#include "stack_probe.h"

#ifndef MICROHTTPS_DEFAULT_WASM
#define MICROHTTPS_DEFAULT_WASM "build/microhttps-portable.wasm"
#endif
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define MAX_URLS 256
#define MAX_HEADERS 32
#define RUNTIME_POOL_BYTES (8u << 20)
/* The thread --stats measures the native stack on (WAMR's AOT needs well under this). */
#define PROBE_STACK_BYTES (512u << 10)

/* WAMR's allocator works in this pool, so its use can be measured. */
static char runtime_pool[RUNTIME_POOL_BYTES];

typedef struct url {
    int tls;
    char host[256];
    uint16_t port;
    const char *target; /* points into the URL text */
} url;

typedef struct cli {
    const char *urls[MAX_URLS];
    int url_count;
    const char *ca_file;
    const char *resolve; /* host:port:addr */
    const char *method;
    const char *data;
    microhttps_field headers[MAX_HEADERS];
    uint32_t header_count;
    const char *wasm_file;
    uint32_t wasm_stack;
    uint32_t timeout_ms; /* connect and read; 0: the library's default */
    uint32_t max_fragment;
    uint32_t suites; /* MH_SUITE_* bits; 0: all */
    uint16_t tls_min, tls_max; /* 0x0303 or 0x0304; 0: the library's default (TLS 1.2) */
    const char *session_file;
    int wasi_natives;
    int stats;
} cli;

static const char USAGE[] =
    "usage: microhttps-wamr URL... [--ca FILE] [--resolve host:port:addr] [-X METHOD] [-H 'Name: value']...\n"
    "                       [-d DATA] [--timeout MS] [--max-fragment N] [--ciphers LIST] [--session FILE]\n"
    "                       [--wasm FILE] [--wasm-stack BYTES] [--wasi-natives] [--stats] [--help]\n"
    "                       [--tlsv1.2 | --tlsv1.3] [--tls-max 1.2|1.3]\n"
    "  --tlsv1.3        TLS 1.3 only; --tls-max 1.3 tries TLS 1.3 first, then TLS 1.2 with the downgrade\n"
    "                   check (as curl's flags; default: TLS 1.2)\n"
    "  --ciphers LIST   TLS suites to offer, colon-separated: CHACHA20_POLY1305, AES_128_GCM, AES_256_GCM\n"
    "                   (default: every one the core has, ChaCha20 first)\n"
    "  --wasm FILE      the core, .wasm or .aot from wamrc (default " MICROHTTPS_DEFAULT_WASM ")\n"
    "  --wasm-stack N   WAMR stack per instance in bytes (default 16384)\n"
    "  --stats          memory figures on stderr after each response, and the native stack used\n";

static int usage(const char *why) {
    fprintf(stderr, "microhttps-wamr: %s\n%s", why, USAGE);
    return 2;
}

/* Prints an error the way scripts read it: the code alone on the first line. */
static int report(const microhttps_error *e) {
    const char *name = mh_error_name(e->code);
    fprintf(stderr, "%s\nmicrohttps-wamr: %s\n", name ? name : "INTERNAL", e->message);
    return 1;
}

static int fail(uint32_t code, const char *message, const char *arg) {
    microhttps_error e = { .code = code, .detail = 0 };
    snprintf(e.message, sizeof e.message, "%s%s%s", message, arg ? ": " : "", arg ? arg : "");
    return report(&e);
}

/* Reads a whole file into malloc'd memory (NUL-terminated); NULL with errno on failure. */
static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *data = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)n + 1)) != NULL) {
        if (fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
            errno = EIO;
        } else {
            data[n] = 0;
            *size = (size_t)n;
        }
    }
    fclose(f);
    return data;
}

/* Splits scheme://host[:port][/target]; 0, or -1 for what this client does not fetch. */
static int parse_url(const char *text, url *u) {
    const char *rest;
    if (strncmp(text, "https://", 8) == 0) u->tls = 1, rest = text + 8, u->port = 443;
    else if (strncmp(text, "http://", 7) == 0) u->tls = 0, rest = text + 7, u->port = 80;
    else return -1;
    size_t authority = strcspn(rest, "/?#");
    u->target = rest[authority] == '/' ? rest + authority : "/";
    if (rest[authority] == '?' || rest[authority] == '#' || memchr(rest, '@', authority)) return -1;
    const char *host = rest, *host_end, *port = NULL;
    if (host[0] == '[') {
        host_end = memchr(host, ']', authority);
        if (!host_end) return -1;
        host++;
        if (host_end + 1 < rest + authority) {
            if (host_end[1] != ':') return -1;
            port = host_end + 2;
        }
    } else {
        host_end = memchr(host, ':', authority);
        if (host_end) port = host_end + 1;
        else host_end = rest + authority;
    }
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len >= sizeof u->host) return -1;
    memcpy(u->host, host, host_len);
    u->host[host_len] = 0;
    if (port) {
        char *end;
        unsigned long p = strtoul(port, &end, 10);
        if (end != rest + authority || p == 0 || p > 65535) return -1;
        u->port = (uint16_t)p;
    }
    return strchr(u->target, '#') ? -1 : 0;
}

/* The address --resolve gives for host:port, or NULL (curl's rule: both must match). */
static const char *resolved_address(const char *resolve, const url *u, char *buf, size_t cap) {
    if (!resolve) return NULL;
    char want[272];
    snprintf(want, sizeof want, "%s:%u:", u->host, u->port);
    if (strncmp(resolve, want, strlen(want)) != 0) return NULL;
    const char *addr = resolve + strlen(want);
    size_t len = strlen(addr);
    if (addr[0] == '[' && len > 2 && addr[len - 1] == ']') addr++, len -= 2; /* [v6] */
    if (len == 0 || len >= cap) return NULL;
    memcpy(buf, addr, len);
    buf[len] = 0;
    return buf;
}

/* --ciphers: names of spec/abi.json's Suite group, colon-separated (curl's habit); 0 for a wrong name. */
static uint32_t parse_ciphers(const char *list) {
    uint32_t mask = 0;
    while (*list) {
        size_t len = strcspn(list, ":,");
        uint32_t bit = 1;
        while (mh_suite_name(bit) && (strlen(mh_suite_name(bit)) != len || strncmp(mh_suite_name(bit), list, len) != 0)) bit <<= 1;
        if (!mh_suite_name(bit)) return 0;
        mask |= bit;
        list += len + (list[len] != 0);
    }
    return mask;
}

static int parse_args(int argc, char **argv, cli *c) {
    memset(c, 0, sizeof *c);
    c->wasm_file = getenv("MICROHTTPS_WASM") ? getenv("MICROHTTPS_WASM") : MICROHTTPS_DEFAULT_WASM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--ca") && has_value) c->ca_file = argv[++i];
        else if (!strcmp(a, "--resolve") && has_value) c->resolve = argv[++i];
        else if (!strcmp(a, "-X") && has_value) c->method = argv[++i];
        else if (!strcmp(a, "-d") && has_value) c->data = argv[++i];
        else if (!strcmp(a, "--wasm") && has_value) c->wasm_file = argv[++i];
        else if (!strcmp(a, "--wasm-stack") && has_value) c->wasm_stack = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--timeout") && has_value) c->timeout_ms = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--max-fragment") && has_value) c->max_fragment = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "--session") && has_value) c->session_file = argv[++i];
        else if (!strcmp(a, "--tlsv1.2")) c->tls_min = 0x0303;
        else if (!strcmp(a, "--tlsv1.3")) c->tls_min = 0x0304;
        else if (!strcmp(a, "--tls-max") && has_value) {
            const char *v = argv[++i];
            if (strcmp(v, "1.2") && strcmp(v, "1.3")) return usage("--tls-max takes 1.2 or 1.3");
            c->tls_max = !strcmp(v, "1.3") ? 0x0304 : 0x0303;
        }
        else if (!strcmp(a, "--ciphers") && has_value) {
            if (!(c->suites = parse_ciphers(argv[++i]))) return usage("--ciphers takes CHACHA20_POLY1305, AES_128_GCM and AES_256_GCM, colon-separated");
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(USAGE, stdout);
            exit(0);
        }
        else if (!strcmp(a, "--wasi-natives")) c->wasi_natives = 1;
        else if (!strcmp(a, "--stats")) c->stats = 1;
        else if (!strcmp(a, "-H") && has_value) {
            char *colon = strchr(argv[++i], ':');
            if (!colon || c->header_count == MAX_HEADERS) return usage("-H takes 'Name: value' (at most 32)");
            microhttps_field *f = &c->headers[c->header_count++];
            f->name = argv[i];
            f->name_len = (uint32_t)(colon - argv[i]);
            f->value = colon + 1 + strspn(colon + 1, " \t");
            f->value_len = (uint32_t)strlen(f->value);
        } else if (a[0] == '-') return usage("unknown option or missing value");
        else if (c->url_count == MAX_URLS) return usage("too many URLs");
        else c->urls[c->url_count++] = a;
    }
    if (c->url_count == 0) return usage("no URL");
    if (!c->method) c->method = c->data ? "POST" : "GET";
    return 0;
}

/* One line of figures a test can compare between requests: they must not move. */
static void print_stats(microhttps *conn, int index) {
    mem_alloc_info_t pool;
    if (!wasm_runtime_get_mem_alloc_info(&pool)) memset(&pool, 0, sizeof pool);
    fprintf(stderr, "stats request=%d status=%u linear_memory=%llu heap_base=%u arena_used=%u static_data=%u trust_store=%u "
            "io_buffer=%u resumed=%d max_fragment=%u suite=0x%04x runtime_pool_used=%u runtime_pool_highmark=%u stack_peak=%u\n",
            index, microhttps_status(conn), (unsigned long long)microhttps_linear_memory_bytes(conn),
            microhttps_core_mem(conn, MH_MEM_HEAP_BASE), microhttps_core_mem(conn, MH_MEM_ARENA_USED),
            microhttps_core_mem(conn, MH_MEM_STATIC_DATA), microhttps_core_mem(conn, MH_MEM_TRUST_STORE),
            microhttps_core_mem(conn, MH_MEM_IO_BUFFER), microhttps_resumed(conn), microhttps_max_fragment(conn),
            microhttps_suite(conn), pool.total_size - pool.total_free_size, pool.highmark_size, microhttps_core_mem(conn, MH_MEM_STACK_PEAK));
#ifdef MICROHTTPS_DUMP_MEM_CONSUMPTION
    wasm_runtime_dump_mem_consumption(conn->exec_env);
#endif
}

/* Writes the body of the current response to stdout. */
static int copy_body(microhttps *conn, microhttps_error *e) {
    uint8_t buf[4096];
    long n;
    while ((n = microhttps_read(conn, buf, sizeof buf, e)) > 0)
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) return fail(MH_ERR_ABORTED, "writing to stdout failed", NULL);
    return n < 0 ? report(e) : 0;
}

/* Same scheme, host and port: the open connection can serve it. */
static int same_origin(const url *a, const url *b) {
    return a->tls == b->tls && a->port == b->port && strcmp(a->host, b->host) == 0;
}

/* Saves the connection's TLS session for a later run (owner-only: it holds the master secret). */
static int save_session(microhttps *conn, const char *path) {
    uint8_t session[MH_SESSION_MAX_BYTES];
    microhttps_error e;
    size_t len = microhttps_session(conn, session, sizeof session, &e);
    if (e.code) return report(&e);
    if (len == 0) return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int ok = fd >= 0 && write(fd, session, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0) ok = 0;
    return ok ? 0 : fail(MH_ERR_CONFIG, "cannot write --session", path);
}

static int fetch_all(const cli *c, const microhttps_core *core, const char *ca, size_t ca_len) {
    microhttps conn = { .fd = -1 };
    size_t session_len = 0;
    /* a missing session file is the first run: nothing to offer */
    uint8_t *session = c->session_file ? read_file(c->session_file, &session_len) : NULL;
    url open_url = { 0 };
    microhttps_error e;
    int rc = 0;
    for (int i = 0; i < c->url_count && rc == 0; i++) {
        url u;
        if (parse_url(c->urls[i], &u) < 0) {
            rc = fail(MH_ERR_REQUEST_INVALID, "not an http:// or https:// URL this client fetches", c->urls[i]);
            break;
        }
        if (!microhttps_keep_alive(&conn) || !same_origin(&u, &open_url)) {
            microhttps_close(&conn);
            char address[64];
            microhttps_options o = {
                .host = u.host, .port = u.port, .tls = u.tls,
                .address = resolved_address(c->resolve, &u, address, sizeof address),
                .ca_pem = ca, .ca_pem_len = ca_len, .ca_skip_unusable = c->ca_file == NULL,
                .wasm_stack_bytes = c->wasm_stack,
                .connect_timeout_ms = c->timeout_ms, .read_timeout_ms = c->timeout_ms,
                .max_fragment = c->max_fragment, .session = session, .session_len = session_len,
                .suites = c->suites,
                .tls_min_version = c->tls_min,
                /* --tlsv1.3 alone means TLS 1.3 as the most too */
                .tls_max_version = c->tls_max ? c->tls_max : c->tls_min,
            };
            if (microhttps_open(&conn, core, &o, &e)) {
                rc = report(&e);
                break;
            }
            open_url = u;
        }
        microhttps_req r = {
            .method = c->method, .target = u.target, .headers = c->headers, .header_count = c->header_count,
            .body = (const uint8_t *)c->data, .body_len = c->data ? strlen(c->data) : 0,
        };
        if (microhttps_request(&conn, &r, &e)) rc = report(&e);
        else if ((rc = copy_body(&conn, &e)) == 0 && c->stats) print_stats(&conn, i);
        /* after the response: a TLS 1.3 ticket comes after the handshake (an old session stays when none came) */
        if (rc == 0 && c->session_file && u.tls) rc = save_session(&conn, c->session_file);
    }
    fflush(stdout);
    microhttps_close(&conn);
    free(session);
    return rc;
}

typedef struct fetch_job {
    const cli *c;
    const microhttps_core *core;
    const char *ca;
    size_t ca_len;
} fetch_job;

static int fetch_job_run(void *p) {
    const fetch_job *job = p;
    return fetch_all(job->c, job->core, job->ca, job->ca_len);
}

/* With --stats the fetches run on a painted stack, so the native stack they
 * used (WAMR's and the host's) is measured too. */
static int fetch_measured(const fetch_job *job) {
    size_t peak = 0;
    int rc = stack_probe_run(fetch_job_run, (void *)job, PROBE_STACK_BYTES, &peak);
    if (rc < 0) return fail(MH_ERR_INTERNAL, "could not start the thread that measures the native stack", NULL);
    fprintf(stderr, "native_stack_peak=%zu\n", peak);
    return rc;
}

static int run(const cli *c) {
    size_t wasm_len = 0, ca_len = 0;
    uint8_t *wasm = read_file(c->wasm_file, &wasm_len);
    if (!wasm) return fail(MH_ERR_CONFIG, "cannot read the core (set --wasm or MICROHTTPS_WASM)", c->wasm_file);
    const char *ca_path = c->ca_file ? c->ca_file : SYSTEM_CA_BUNDLE;
    uint8_t *ca = read_file(ca_path, &ca_len);
    if (!ca) {
        free(wasm);
        return fail(MH_ERR_CONFIG, c->ca_file ? "cannot read --ca" : "cannot read the system CA bundle (give --ca)", ca_path);
    }
    microhttps_core core;
    microhttps_error e;
    int rc = 0;
    if (microhttps_core_load(&core, wasm, (uint32_t)wasm_len, &e)) {
        /* printed whole: a long path would not fit in e.message */
        fprintf(stderr, "%s\nmicrohttps-wamr: loading %s: %s\n", mh_error_name(e.code), c->wasm_file, e.message);
        rc = 1;
    } else {
        fetch_job job = { c, &core, (const char *)ca, ca_len };
        rc = c->stats ? fetch_measured(&job) : fetch_job_run(&job);
        microhttps_core_unload(&core);
    }
    free(ca);
    free(wasm);
    return rc;
}

int main(int argc, char **argv) {
    /* stderr unbuffered makes glibc's fprintf put an 8 KiB buffer on the stack,
     * which --stats would count as the host's native stack */
    static char stderr_buffer[BUFSIZ];
    setvbuf(stderr, stderr_buffer, _IOLBF, sizeof stderr_buffer);
    cli c;
    if (parse_args(argc, argv, &c)) return 2;
    RuntimeInitArgs init;
    memset(&init, 0, sizeof init);
    init.mem_alloc_type = Alloc_With_Pool;
    init.mem_alloc_option.pool.heap_buf = runtime_pool;
    init.mem_alloc_option.pool.heap_size = sizeof runtime_pool;
    init.running_mode = Mode_Interp;
    if (!wasm_runtime_full_init(&init)) return fail(MH_ERR_CONFIG, "WAMR failed to initialise", NULL);
    /* The core is a library (no _start), which WAMR's libc-wasi warns about: expected here. */
    wasm_runtime_set_log_level(WASM_LOG_LEVEL_ERROR);
    if (c.wasi_natives && microhttps_register_wasi_natives() != 0) return fail(MH_ERR_CONFIG, "registering the WASI natives failed", NULL);
    int rc = run(&c);
    wasm_runtime_destroy();
    return rc;
}
