/*
 * wsload: a WebSocket load client for scripts/bench-realtime.sh (issue #12).
 *
 * Opens N connections to HOST:PORT (one source address), performs the RFC 6455 handshake with a
 * Host header, subscribes every connection to one channel with the Fazt JSON protocol
 * ({"type":"subscribe","channel":C} -> {"type":"subscribed",...}) and, once all are subscribed,
 * runs one mode:
 *
 *   idle     hold the N subscribed sockets for --seconds, answering pings; prints a "ready" line
 *            when all are subscribed (so the caller can read the server's memory), then a summary.
 *   fanout   publishes --messages messages of --size bytes (JSON data carrying a CLOCK_MONOTONIC
 *            send time "ts" and a sequence number "sq") through one extra publisher connection
 *            ({"type":"publish",...}) or by HTTP POST (--publish http), paced by --rate (messages/s,
 *            0 = as fast as --window allows) with at most --window broadcasts not yet delivered to
 *            every subscriber. Every subscriber counts deliveries and records receive time - send
 *            time. Prints deliveries/s, per-delivery latency p50/p99 and per-broadcast completion
 *            time (send -> last subscriber) p50/p99 as one JSON line.
 *   echo     one connection sends --messages text messages "ts:<ns> sq:<n>" one at a time to an app
 *            whose socket handler sends them back; prints the first round trip and p50/p99 of the rest.
 *
 * Frames are parsed incrementally (partial reads, several frames per read, 16- and 64-bit lengths,
 * fragmented messages); protocol pings get pongs and the JSON {"type":"ping"} gets {"type":"pong"}.
 * Subscriber connections are spread over --threads threads, each with its own epoll set.
 *
 * Build: gcc -O2 -pthread -o wsload scripts/wsload.c
 * Loopback only by intent: the caller passes 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- options ---------------------------------------------------------------------------- */
static const char *opt_mode = "idle";
static const char *opt_addr = "127.0.0.1";
static int opt_port = 0;
static const char *opt_host = NULL;      /* Host header; default addr:port */
static const char *opt_path = "/_ws";
static const char *opt_channel = "bench";
static int opt_conns = 100;
static int opt_threads = 1;
static double opt_seconds = 10;          /* idle: hold time; fanout/echo: overall deadline */
static int opt_messages = 100;
static int opt_warmup = 3;
static double opt_rate = 0;
static int opt_window = 1;
static int opt_size = 100;
static const char *opt_publish = "ws";   /* ws | http */
static const char *opt_app = "bench";
static const char *opt_token = NULL;
static int opt_wait_go = 0;              /* after the ready line, wait for a line on stdin before the mode runs */
static int opt_echo_json = 0;            /* echo: send {"echo":1,"ts":..,"sq":..} instead of plain text */
static int opt_inflight = 64;            /* handshakes in progress per thread */
static double opt_setup_seconds = 120;

/* ---- clock, random ------------------------------------------------------------------------ */
static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static _Thread_local uint64_t rng_state;
static inline uint32_t rnd(void) {
    if (!rng_state) rng_state = now_ns() ^ ((uint64_t)(uintptr_t)&rng_state << 17) ^ 0x9e3779b97f4a7c15ull;
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wsload: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- shared state ------------------------------------------------------------------------- */
static atomic_int g_stop;
static atomic_int g_subscribed;
static atomic_int g_failed;
static atomic_int g_closed_after_setup;
static atomic_int g_threads_ready;
static atomic_int g_errors_printed;
static atomic_long g_errors;           /* {"type":"error"} messages received */
static atomic_int g_target;            /* threads whose subscribers must all have a broadcast */
static atomic_int *g_counts;           /* per sequence number: threads whose subscribers all have it */
static atomic_long g_completed;        /* broadcasts delivered to every subscriber */
static uint64_t *g_sent_ns;            /* send time per sequence number */
static uint64_t *g_complete_ns;        /* time the last subscriber got it */
static int g_total_messages;
static int g_efd = -1;                 /* signalled when a broadcast completes (the publisher waits on it) */
static struct sockaddr_in g_sa;
static char g_host_header[256];

/* ---- connections -------------------------------------------------------------------------- */
enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_SUBSCRIBED, ST_CLOSED };
enum { ROLE_SUBSCRIBER, ROLE_PUBLISHER, ROLE_ECHO };

typedef struct worker worker;
typedef struct conn {
    int fd;
    int state;
    int role;
    worker *w;
    uint8_t *rbuf;       /* unparsed bytes left from earlier reads */
    uint32_t rlen, rcap;
    uint8_t *mbuf;       /* a fragmented message being assembled */
    uint32_t mlen, mcap;
    int mop;             /* its opcode, 0 when none */
    int echo_got;        /* echo: a reply arrived */
    int echo_err;        /* echo: the server answered with an error */
    uint64_t echo_ts;
} conn;

struct worker {
    int id;
    int epfd;
    conn *conns;
    int n;
    int next;            /* next connection to start */
    int inflight;
    int done;            /* subscribed or failed */
    int subscribed;      /* its connections subscribed */
    int *counts;         /* fanout: deliveries per sequence number to this thread's connections */
    pthread_t th;
    /* fan-out results */
    uint64_t deliveries;
    uint64_t last_recv_ns;
    uint64_t *lat;       /* ns, measured messages only */
    size_t nlat, caplat;
};

static void buf_append(uint8_t **buf, uint32_t *len, uint32_t *cap, const uint8_t *data, size_t n) {
    if (*len + n > *cap) {
        uint32_t c = *cap ? *cap : 256;
        while (c < *len + n) c *= 2;
        *buf = realloc(*buf, c);
        if (!*buf) die("out of memory");
        *cap = c;
    }
    memcpy(*buf + *len, data, n);
    *len += (uint32_t)n;
}

/* Writes all of buf (small control writes); waits for the socket to drain when it is full. */
static int send_all(int fd, const void *buf, size_t len) {
    const uint8_t *p = buf;
    while (len) {
        ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
        if (k > 0) {
            p += k;
            len -= (size_t)k;
            continue;
        }
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            if (poll(&pfd, 1, 5000) <= 0) return -1;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        return -1;
    }
    return 0;
}

/* A masked client frame (FIN set). */
static int send_frame(conn *c, int opcode, const void *payload, size_t len) {
    uint8_t stackbuf[512];
    uint8_t *out = len + 14 <= sizeof stackbuf ? stackbuf : malloc(len + 14);
    size_t h = 0;
    out[h++] = 0x80 | (uint8_t)opcode;
    if (len < 126) {
        out[h++] = 0x80 | (uint8_t)len;
    } else if (len <= 0xffff) {
        out[h++] = 0x80 | 126;
        out[h++] = (uint8_t)(len >> 8);
        out[h++] = (uint8_t)len;
    } else {
        out[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) out[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint32_t m = rnd();
    uint8_t mask[4] = {(uint8_t)m, (uint8_t)(m >> 8), (uint8_t)(m >> 16), (uint8_t)(m >> 24)};
    memcpy(out + h, mask, 4);
    h += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++) out[h + i] = p[i] ^ mask[i & 3];
    int rc = send_all(c->fd, out, h + len);
    if (out != stackbuf) free(out);
    return rc;
}

static int send_text(conn *c, const char *text) { return send_frame(c, 1, text, strlen(text)); }

/* Finds KEY followed by up to 3 of `"\:= ` and digits; returns 1 and the number. */
static int find_num(const uint8_t *p, size_t len, const char *key, uint64_t *out) {
    size_t kl = strlen(key);
    if (len < kl + 1) return 0;
    for (size_t i = 0; i + kl < len; i++) {
        if (p[i] != (uint8_t)key[0] || memcmp(p + i, key, kl) != 0) continue;
        size_t j = i + kl, skipped = 0;
        while (j < len && skipped < 3 && (p[j] == '"' || p[j] == '\\' || p[j] == ':' || p[j] == '=' || p[j] == ' ')) {
            j++;
            skipped++;
        }
        if (!skipped || j >= len || p[j] < '0' || p[j] > '9') continue;
        uint64_t v = 0;
        while (j < len && p[j] >= '0' && p[j] <= '9') v = v * 10 + (uint64_t)(p[j++] - '0');
        *out = v;
        return 1;
    }
    return 0;
}

/* Whether the JSON text has "type" (anywhere, whitespace allowed around the colon) equal to TYPE. */
static int type_is(const uint8_t *p, size_t len, const char *type) {
    size_t tl = strlen(type);
    const uint8_t *at = p, *end = p + len;
    while ((at = memmem(at, (size_t)(end - at), "\"type\"", 6)) != NULL) {
        const uint8_t *q = at + 6;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) q++;
        if (q < end && *q == ':') {
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) q++;
            if ((size_t)(end - q) >= tl + 2 && q[0] == '"' && memcmp(q + 1, type, tl) == 0 && q[tl + 1] == '"') return 1;
        }
        at += 6;
    }
    return 0;
}

static void conn_failed(conn *c, const char *why);

static void on_text(conn *c, const uint8_t *p, size_t len, uint64_t t) {
    if (type_is(p, len, "ping")) {
        send_text(c, "{\"type\":\"pong\"}");
        return;
    }
    if (type_is(p, len, "error")) {
        atomic_fetch_add(&g_errors, 1);
        c->echo_err = 1;
        if (atomic_fetch_add(&g_errors_printed, 1) < 5) fprintf(stderr, "wsload: server error: %.*s\n", (int)(len > 300 ? 300 : len), p);
        if (c->state == ST_OPEN && c->role == ROLE_SUBSCRIBER) conn_failed(c, NULL);
        return;
    }
    if (c->role == ROLE_ECHO) {
        uint64_t ts;
        if (find_num(p, len, "ts", &ts)) {
            c->echo_got = 1;
            c->echo_ts = ts;
        }
        return;
    }
    if (c->role == ROLE_PUBLISHER) return;
    if (c->state == ST_OPEN) {
        if (type_is(p, len, "subscribed")) {
            c->state = ST_SUBSCRIBED;
            c->w->inflight--;
            c->w->done++;
            c->w->subscribed++;
            atomic_fetch_add(&g_subscribed, 1);
        }
        return;
    }
    if (c->state != ST_SUBSCRIBED || !g_counts) return;
    uint64_t ts, sq;
    if (!find_num(p, len, "ts", &ts) || !find_num(p, len, "sq", &sq)) return;
    if (sq >= (uint64_t)g_total_messages) return;
    worker *w = c->w;
    w->deliveries++;
    w->last_recv_ns = t;
    /* Counted per thread; one atomic per thread and broadcast (not per delivery) says when all have it. */
    if (++w->counts[sq] == w->subscribed && atomic_fetch_add(&g_counts[sq], 1) + 1 == atomic_load(&g_target)) {
        g_complete_ns[sq] = t;
        atomic_fetch_add(&g_completed, 1);
        uint64_t one = 1;
        ssize_t wr = write(g_efd, &one, sizeof one);
        (void)wr;
    }
    if (sq >= (uint64_t)opt_warmup) {
        if (w->nlat == w->caplat) {
            w->caplat = w->caplat ? w->caplat * 2 : 4096;
            w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
            if (!w->lat) die("out of memory");
        }
        w->lat[w->nlat++] = t > ts ? t - ts : 0;
    }
}

/* Parses complete frames from p; returns the bytes consumed. */
static size_t parse_frames(conn *c, const uint8_t *p, size_t len, uint64_t t) {
    size_t off = 0;
    while (c->state != ST_CLOSED && len - off >= 2) {
        const uint8_t *f = p + off;
        size_t avail = len - off;
        int fin = f[0] & 0x80, op = f[0] & 0x0f, masked = f[1] & 0x80;
        uint64_t plen = f[1] & 0x7f;
        size_t h = 2;
        if (plen == 126) {
            if (avail < 4) break;
            plen = ((uint64_t)f[2] << 8) | f[3];
            h = 4;
        } else if (plen == 127) {
            if (avail < 10) break;
            plen = 0;
            for (int i = 0; i < 8; i++) plen = (plen << 8) | f[2 + i];
            h = 10;
        }
        uint8_t mask[4] = {0};
        if (masked) {
            if (avail < h + 4) break;
            memcpy(mask, f + h, 4);
            h += 4;
        }
        if (plen > (1ull << 30)) {
            conn_failed(c, "frame too large");
            return len;
        }
        if (avail < h + plen) break;
        uint8_t *payload = (uint8_t *)f + h;
        if (masked)
            for (uint64_t i = 0; i < plen; i++) payload[i] ^= mask[i & 3];
        off += h + (size_t)plen;
        if (op >= 8) { /* control */
            if (op == 9) send_frame(c, 10, payload, (size_t)plen);
            else if (op == 8) {
                uint8_t code[2] = {0x03, 0xe8};
                if (plen >= 2) memcpy(code, payload, 2);
                send_frame(c, 8, code, 2);
                if (c->state == ST_SUBSCRIBED && c->role == ROLE_SUBSCRIBER) atomic_fetch_add(&g_closed_after_setup, 1);
                conn_failed(c, NULL);
                return len;
            }
            continue;
        }
        if (op != 0 && !c->mop && fin) {
            if (op == 1) on_text(c, payload, (size_t)plen, t);
            continue;
        }
        if (op != 0) c->mop = op;
        buf_append(&c->mbuf, &c->mlen, &c->mcap, payload, (size_t)plen);
        if (fin) {
            if (c->mop == 1) on_text(c, c->mbuf, c->mlen, t);
            c->mop = 0;
            c->mlen = 0;
        }
    }
    return off;
}

/* Feeds bytes read from the socket (after the handshake). */
static void feed(conn *c, uint8_t *data, size_t n, uint64_t t) {
    if (c->rlen) {
        buf_append(&c->rbuf, &c->rlen, &c->rcap, data, n);
        size_t used = parse_frames(c, c->rbuf, c->rlen, t);
        if (c->state == ST_CLOSED) return;
        memmove(c->rbuf, c->rbuf + used, c->rlen - used);
        c->rlen -= (uint32_t)used;
    } else {
        size_t used = parse_frames(c, data, n, t);
        if (c->state == ST_CLOSED) return;
        if (used < n) buf_append(&c->rbuf, &c->rlen, &c->rcap, data + used, n - used);
    }
    if (c->rlen == 0 && c->rcap > 4096) { /* give big buffers back */
        free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
    }
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int handshake_request(char *out, size_t cap) {
    uint8_t key[16];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)rnd();
    char k[25];
    int j = 0;
    for (int i = 0; i < 15; i += 3) {
        uint32_t v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 | key[i + 2];
        k[j++] = b64[v >> 18];
        k[j++] = b64[(v >> 12) & 63];
        k[j++] = b64[(v >> 6) & 63];
        k[j++] = b64[v & 63];
    }
    uint32_t v = (uint32_t)key[15] << 16;
    k[j++] = b64[v >> 18];
    k[j++] = b64[(v >> 12) & 63];
    k[j++] = '=';
    k[j++] = '=';
    k[j] = 0;
    return snprintf(out, cap,
                    "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wsload\r\n\r\n",
                    opt_path, g_host_header, k);
}

/* Handshake bytes: returns 1 when the 101 response is complete (leftover frames are fed). */
static int handshake_bytes(conn *c, uint8_t *data, size_t n, uint64_t t) {
    buf_append(&c->rbuf, &c->rlen, &c->rcap, data, n);
    uint8_t *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
    if (!end) {
        if (c->rlen > 16384) conn_failed(c, "handshake response too long");
        return 0;
    }
    size_t hl = (size_t)(end - c->rbuf) + 4;
    if (c->rlen < 12 || memcmp(c->rbuf + 9, "101", 3) != 0) {
        if (atomic_fetch_add(&g_errors_printed, 1) < 5) {
            size_t show = hl > 300 ? 300 : hl;
            fprintf(stderr, "wsload: handshake refused: %.*s\n", (int)show, c->rbuf);
        }
        conn_failed(c, NULL);
        return 0;
    }
    uint32_t rest = c->rlen - (uint32_t)hl;
    uint8_t tmp[4096];
    size_t keep = rest < sizeof tmp ? rest : 0;
    if (keep) memcpy(tmp, c->rbuf + hl, keep);
    c->rlen = 0;
    free(c->rbuf);
    c->rbuf = NULL;
    c->rcap = 0;
    c->state = ST_OPEN;
    if (c->role == ROLE_SUBSCRIBER) {
        char sub[256];
        snprintf(sub, sizeof sub, "{\"type\":\"subscribe\",\"channel\":\"%s\"}", opt_channel);
        if (send_text(c, sub) < 0) {
            conn_failed(c, "send subscribe");
            return 0;
        }
    }
    if (keep) feed(c, tmp, keep, t);
    return 1;
}

static void conn_failed(conn *c, const char *why) {
    if (c->state == ST_CLOSED) return;
    int was = c->state;
    if (why && atomic_fetch_add(&g_errors_printed, 1) < 5) fprintf(stderr, "wsload: connection failed: %s\n", why);
    if (c->w) epoll_ctl(c->w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = ST_CLOSED;
    if (c->role == ROLE_SUBSCRIBER && was != ST_SUBSCRIBED && c->w) {
        c->w->inflight--;
        c->w->done++;
        atomic_fetch_add(&g_failed, 1);
    }
}

static int open_socket(int nonblocking) {
    int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void start_conn(worker *w, conn *c) {
    c->fd = open_socket(1);
    if (c->fd < 0) {
        c->state = ST_CONNECTING;
        w->inflight++;
        conn_failed(c, strerror(errno));
        return;
    }
    w->inflight++;
    c->state = ST_CONNECTING;
    int rc = connect(c->fd, (struct sockaddr *)&g_sa, sizeof g_sa);
    if (rc < 0 && errno != EINPROGRESS) {
        conn_failed(c, strerror(errno));
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) conn_failed(c, "epoll_ctl");
}

static void *worker_main(void *arg) {
    worker *w = arg;
    static _Thread_local uint8_t buf[1 << 16];
    struct epoll_event evs[256];
    int announced = 0;
    uint64_t setup_deadline = now_ns() + (uint64_t)(opt_setup_seconds * 1e9);
    while (!atomic_load(&g_stop)) {
        while (w->next < w->n && w->inflight < opt_inflight) start_conn(w, &w->conns[w->next++]);
        if (!announced && w->done == w->n) {
            announced = 1;
            atomic_fetch_add(&g_threads_ready, 1);
        }
        if (!announced && now_ns() > setup_deadline) {
            for (int i = 0; i < w->n; i++)
                if (w->conns[i].state != ST_SUBSCRIBED && w->conns[i].state != ST_CLOSED) conn_failed(&w->conns[i], "setup timeout");
            continue;
        }
        int k = epoll_wait(w->epfd, evs, 256, 50);
        for (int i = 0; i < k; i++) {
            conn *c = evs[i].data.ptr;
            if (c->state == ST_CLOSED) continue;
            if (c->state == ST_CONNECTING) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err) {
                    conn_failed(c, strerror(err));
                    continue;
                }
                if (!(evs[i].events & (EPOLLOUT | EPOLLIN))) continue;
                char req[1024];
                int n = handshake_request(req, sizeof req);
                if (send_all(c->fd, req, (size_t)n) < 0) {
                    conn_failed(c, "send handshake");
                    continue;
                }
                c->state = ST_HANDSHAKE;
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
                continue;
            }
            for (int reads = 0; reads < 4 && c->state != ST_CLOSED; reads++) {
                ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n == 0) {
                    if (c->state == ST_SUBSCRIBED) atomic_fetch_add(&g_closed_after_setup, 1);
                    conn_failed(c, NULL);
                    break;
                }
                if (n < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
                    if (c->state == ST_SUBSCRIBED) atomic_fetch_add(&g_closed_after_setup, 1);
                    conn_failed(c, c->state == ST_SUBSCRIBED ? NULL : strerror(errno));
                    break;
                }
                uint64_t t = now_ns();
                if (c->state == ST_HANDSHAKE) handshake_bytes(c, buf, (size_t)n, t);
                else feed(c, buf, (size_t)n, t);
                if ((size_t)n < sizeof buf) break;
            }
        }
    }
    for (int i = 0; i < w->n; i++)
        if (w->conns[i].state != ST_CLOSED && w->conns[i].fd >= 0) close(w->conns[i].fd);
    return NULL;
}

/* ---- a blocking helper connection in the main thread (publisher, echo) ---------------------- */
static conn *main_conn(int role) {
    conn *c = calloc(1, sizeof *c);
    c->role = role;
    c->fd = open_socket(0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&g_sa, sizeof g_sa) < 0) die("connect: %s", strerror(errno));
    if (role == ROLE_PUBLISHER && strcmp(opt_publish, "http") == 0) {
        c->state = ST_OPEN;
        return c;
    }
    char req[1024];
    int n = handshake_request(req, sizeof req);
    if (send_all(c->fd, req, (size_t)n) < 0) die("send handshake");
    c->state = ST_HANDSHAKE;
    uint8_t buf[4096];
    uint64_t deadline = now_ns() + 10000000000ull;
    while (c->state == ST_HANDSHAKE) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, 1000) < 0 || now_ns() > deadline) die("handshake timeout");
        ssize_t k = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (k == 0) die("closed during handshake");
        if (k < 0) continue;
        handshake_bytes(c, buf, (size_t)k, now_ns());
    }
    if (c->state != ST_OPEN) die("handshake failed");
    return c;
}

/* Reads what is there (or waits up to timeout_ms for something) and parses it. */
static void main_conn_pump(conn *c, int timeout_ms) {
    static uint8_t buf[1 << 16];
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0) return;
    for (;;) {
        ssize_t k = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (k == 0) die("helper connection closed by the server");
        if (k < 0) return;
        feed(c, buf, (size_t)k, now_ns());
        if (c->state == ST_CLOSED) die("helper connection closed by the server");
        if ((size_t)k < sizeof buf) return;
    }
}

/* Waits up to timeout_ms for a completed broadcast or input on the publisher socket (no spinning:
 * the publisher shares the cores with the server and the subscribers). */
static void wait_progress(conn *pub, int http, int timeout_ms) {
    struct pollfd pfd[2] = {{.fd = g_efd, .events = POLLIN}, {.fd = http ? -1 : pub->fd, .events = POLLIN}};
    if (poll(pfd, 2, timeout_ms) <= 0) return;
    if (pfd[0].revents & POLLIN) {
        uint64_t v;
        ssize_t r = read(g_efd, &v, sizeof v);
        (void)r;
    }
    if (pfd[1].revents & POLLIN) main_conn_pump(pub, 0);
}

/* One HTTP POST on the keep-alive connection; returns the status. */
static int http_publish(conn *c, const char *body) {
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "POST /_fazt/api/v1/apps/%s/channels/%s/messages HTTP/1.1\r\nHost: %s:%d\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n%s%s%s\r\n",
                      opt_app, opt_channel, opt_addr, opt_port, strlen(body), opt_token ? "Authorization: Bearer " : "",
                      opt_token ? opt_token : "", opt_token ? "\r\n" : "");
    if (send_all(c->fd, head, (size_t)hl) < 0 || send_all(c->fd, body, strlen(body)) < 0) die("http publish: send");
    char buf[8192];
    size_t len = 0;
    for (;;) {
        ssize_t k = recv(c->fd, buf + len, sizeof buf - 1 - len, 0);
        if (k <= 0) die("http publish: connection closed");
        len += (size_t)k;
        buf[len] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        size_t clen = 0;
        char *cl = strcasestr(buf, "\r\ncontent-length:");
        if (cl && cl < end) clen = (size_t)strtoul(cl + 17, NULL, 10);
        if (len >= (size_t)(end - buf) + 4 + clen) {
            int status = atoi(buf + 9);
            if (status != 200 && status != 201 && atomic_fetch_add(&g_errors_printed, 1) < 5) fprintf(stderr, "wsload: publish answered %s\n", buf);
            return status;
        }
        if (len >= sizeof buf - 1) die("http publish: response too long");
    }
}

/* ---- results ------------------------------------------------------------------------------ */
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(uint64_t *v, size_t n, double p) {
    if (!n) return -1;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

static double cpu_seconds_of(int who) {
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double cpu_seconds(void) { return cpu_seconds_of(RUSAGE_SELF); }

static void raise_nofile(int need) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)need) die("RLIMIT_NOFILE is %lu, need %d (raise the hard limit)", (unsigned long)rl.rlim_cur, need);
}

static void usage(void) {
    fprintf(stderr,
            "usage: wsload --mode idle|fanout|echo --port P [--addr 127.0.0.1] [--host app.localhost:P]\n"
            "  [--path /_ws] [--channel bench] [--conns N] [--threads T] [--seconds S] [--messages M]\n"
            "  [--warmup W] [--rate R] [--window W] [--size B] [--publish ws|http] [--app A] [--token T]\n"
            "  [--echo-json] [--wait-go]\n");
    exit(2);
}

int main(int argc, char **argv) {
    static struct option longopts[] = {
        {"mode", 1, 0, 'm'},     {"addr", 1, 0, 'a'},    {"port", 1, 0, 'p'},     {"host", 1, 0, 'H'},
        {"path", 1, 0, 'P'},     {"channel", 1, 0, 'c'}, {"conns", 1, 0, 'n'},    {"threads", 1, 0, 't'},
        {"seconds", 1, 0, 's'},  {"messages", 1, 0, 'M'}, {"warmup", 1, 0, 'W'},  {"rate", 1, 0, 'r'},
        {"window", 1, 0, 'w'},   {"size", 1, 0, 'z'},    {"publish", 1, 0, 'b'},  {"app", 1, 0, 'A'},
        {"token", 1, 0, 'T'},    {"inflight", 1, 0, 'i'}, {"setup-seconds", 1, 0, 'S'}, {"echo-json", 0, 0, 'J'}, {"wait-go", 0, 0, 'G'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'm': opt_mode = optarg; break;
        case 'a': opt_addr = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'H': opt_host = optarg; break;
        case 'P': opt_path = optarg; break;
        case 'c': opt_channel = optarg; break;
        case 'n': opt_conns = atoi(optarg); break;
        case 't': opt_threads = atoi(optarg); break;
        case 's': opt_seconds = atof(optarg); break;
        case 'M': opt_messages = atoi(optarg); break;
        case 'W': opt_warmup = atoi(optarg); break;
        case 'r': opt_rate = atof(optarg); break;
        case 'w': opt_window = atoi(optarg); break;
        case 'z': opt_size = atoi(optarg); break;
        case 'b': opt_publish = optarg; break;
        case 'A': opt_app = optarg; break;
        case 'T': opt_token = optarg; break;
        case 'i': opt_inflight = atoi(optarg); break;
        case 'S': opt_setup_seconds = atof(optarg); break;
        case 'J': opt_echo_json = 1; break;
        case 'G': opt_wait_go = 1; break;
        default: usage();
        }
    }
    int mode_idle = !strcmp(opt_mode, "idle"), mode_fanout = !strcmp(opt_mode, "fanout"), mode_echo = !strcmp(opt_mode, "echo");
    if (!opt_port || !(mode_idle || mode_fanout || mode_echo)) usage();
    if (opt_threads < 1) opt_threads = 1;
    if (opt_window < 1) opt_window = 1;
    if (opt_size < 40) opt_size = 40;
    if (opt_size > 60000) opt_size = 60000;
    if (mode_echo) opt_conns = 0;
    if (opt_threads > opt_conns && opt_conns > 0) opt_threads = opt_conns;
    raise_nofile(opt_conns + 64);
    memset(&g_sa, 0, sizeof g_sa);
    g_sa.sin_family = AF_INET;
    g_sa.sin_port = htons((uint16_t)opt_port);
    if (inet_pton(AF_INET, opt_addr, &g_sa.sin_addr) != 1) die("bad address %s", opt_addr);
    if (opt_host) snprintf(g_host_header, sizeof g_host_header, "%s", opt_host);
    else snprintf(g_host_header, sizeof g_host_header, "%s:%d", opt_addr, opt_port);

    uint64_t t0 = now_ns();
    double cpu0 = cpu_seconds();

    if (mode_echo) {
        conn *c = main_conn(ROLE_ECHO);
        int total = opt_warmup + opt_messages;
        uint64_t *rtt = calloc((size_t)total, sizeof *rtt);
        int got = 0, timeouts = 0;
        uint64_t deadline = t0 + (uint64_t)(opt_seconds * 1e9);
        for (int i = 0; i < total && now_ns() < deadline; i++) {
            char msg[128];
            uint64_t sent = now_ns();
            if (opt_echo_json) snprintf(msg, sizeof msg, "{\"echo\":1,\"ts\":%llu,\"sq\":%d}", (unsigned long long)sent, i);
            else snprintf(msg, sizeof msg, "wsload echo ts:%llu sq:%d", (unsigned long long)sent, i);
            c->echo_got = 0;
            c->echo_err = 0;
            if (send_text(c, msg) < 0) die("echo: send");
            uint64_t wait_until = sent + 5000000000ull;
            while (!(c->echo_got && c->echo_ts == sent) && !c->echo_err && now_ns() < wait_until && now_ns() < deadline)
                main_conn_pump(c, 100);
            if (c->echo_got && c->echo_ts == sent) rtt[got++] = now_ns() - sent;
            else timeouts++;
            if (opt_rate > 0) {
                uint64_t next = sent + (uint64_t)(1e9 / opt_rate);
                while (now_ns() < next) main_conn_pump(c, (int)((next - now_ns()) / 1000000) + 1);
            }
        }
        double first = got ? (double)rtt[0] / 1e6 : -1;
        int skip = got > opt_warmup ? opt_warmup : 0;
        qsort(rtt + skip, (size_t)(got - skip), sizeof *rtt, cmp_u64);
        printf("{\"mode\":\"echo\",\"sent\":%d,\"replies\":%d,\"timeouts\":%d,\"first_ms\":%.3f,\"p50_ms\":%.3f,"
               "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%ld}\n",
               opt_warmup + opt_messages, got, timeouts, first, pct_ms(rtt + skip, (size_t)(got - skip), 0.5),
               pct_ms(rtt + skip, (size_t)(got - skip), 0.99), pct_ms(rtt + skip, (size_t)(got - skip), 1.0), atomic_load(&g_errors));
        return got == total ? 0 : 1;
    }

    if (mode_fanout) {
        g_total_messages = opt_warmup + opt_messages;
        g_counts = calloc((size_t)g_total_messages, sizeof *g_counts);
        g_sent_ns = calloc((size_t)g_total_messages, sizeof *g_sent_ns);
        g_complete_ns = calloc((size_t)g_total_messages, sizeof *g_complete_ns);
        g_efd = eventfd(0, EFD_NONBLOCK);
        if (g_efd < 0) die("eventfd: %s", strerror(errno));
    }

    worker *ws = calloc((size_t)opt_threads, sizeof *ws);
    conn *all = calloc((size_t)(opt_conns ? opt_conns : 1), sizeof *all);
    int per = opt_conns / opt_threads, extra = opt_conns % opt_threads, at = 0;
    for (int i = 0; i < opt_threads; i++) {
        worker *w = &ws[i];
        w->id = i;
        w->n = per + (i < extra);
        w->conns = all + at;
        at += w->n;
        w->epfd = epoll_create1(0);
        if (mode_fanout) w->counts = calloc((size_t)g_total_messages, sizeof *w->counts);
        for (int j = 0; j < w->n; j++) {
            w->conns[j].fd = -1;
            w->conns[j].w = w;
            w->conns[j].role = ROLE_SUBSCRIBER;
        }
    }
    for (int i = 0; i < opt_threads; i++) pthread_create(&ws[i].th, NULL, worker_main, &ws[i]);
    while (atomic_load(&g_threads_ready) < opt_threads) usleep(2000);
    uint64_t t_ready = now_ns();
    int subscribed = atomic_load(&g_subscribed), failed = atomic_load(&g_failed);
    printf("{\"event\":\"ready\",\"subscribed\":%d,\"failed\":%d,\"setup_ms\":%.1f}\n", subscribed, failed, (double)(t_ready - t0) / 1e6);
    fflush(stdout);
    if (opt_wait_go) { /* the caller samples the server between set-up and the measured part */
        char line[64];
        if (!fgets(line, sizeof line, stdin)) die("stdin closed before go");
        t_ready = now_ns();
    }
    double cpu_setup = cpu_seconds() - cpu0; /* client_cpu_s below is the measured part only */
    cpu0 = cpu_seconds();

    if (mode_idle) {
        uint64_t until = t_ready + (uint64_t)(opt_seconds * 1e9);
        while (now_ns() < until) usleep(20000);
        atomic_store(&g_stop, 1);
        for (int i = 0; i < opt_threads; i++) pthread_join(ws[i].th, NULL);
        printf("{\"mode\":\"idle\",\"conns\":%d,\"subscribed\":%d,\"failed\":%d,\"closed_by_server\":%d,\"setup_ms\":%.1f,"
               "\"held_s\":%.1f,\"errors\":%ld}\n",
               opt_conns, subscribed, failed, atomic_load(&g_closed_after_setup), (double)(t_ready - t0) / 1e6,
               (double)(now_ns() - t_ready) / 1e9, atomic_load(&g_errors));
        return failed ? 1 : 0;
    }

    /* fanout */
    int busy_threads = 0;
    for (int i = 0; i < opt_threads; i++) busy_threads += ws[i].subscribed > 0;
    atomic_store(&g_target, busy_threads);
    conn *pub = main_conn(ROLE_PUBLISHER);
    int http = !strcmp(opt_publish, "http");
    char *data = malloc((size_t)opt_size + 1), *msg = malloc((size_t)opt_size + 256);
    uint64_t deadline = t_ready + (uint64_t)(opt_seconds * 1e9);
    uint64_t t_first = 0;
    int sent = 0, bad_status = 0;
    double cpu_pub0 = cpu_seconds_of(RUSAGE_THREAD);
    for (int i = 0; i < g_total_messages && now_ns() < deadline; i++) {
        if (i == opt_warmup) { /* warm-up broadcasts are delivered before the timed part starts */
            while (atomic_load(&g_completed) < opt_warmup && now_ns() < deadline) {
                wait_progress(pub, http, 100);
            }
        }
        long seen = atomic_load(&g_completed);
        uint64_t progress_at = now_ns();
        while (i - atomic_load(&g_completed) >= opt_window && now_ns() < deadline) {
            wait_progress(pub, http, 100);
            long c = atomic_load(&g_completed);
            if (c != seen) {
                seen = c;
                progress_at = now_ns();
            } else if (now_ns() - progress_at > 10000000000ull) { /* a lost delivery: stop waiting */
                fprintf(stderr, "wsload: broadcast %ld not delivered to every subscriber within 10 s; stopping\n", c);
                deadline = now_ns();
            }
        }
        if (opt_rate > 0 && i >= opt_warmup && t_first) {
            uint64_t due = t_first + (uint64_t)((double)(i - opt_warmup) * 1e9 / opt_rate);
            while (now_ns() < due) {
                uint64_t left = due - now_ns();
                if (http || left < 1000000) {
                    struct timespec ts = {0, (long)(left > 200000 ? 200000 : left)};
                    nanosleep(&ts, NULL);
                } else main_conn_pump(pub, (int)(left / 1000000));
            }
        }
        uint64_t t = now_ns();
        int n = snprintf(data, (size_t)opt_size + 1, "{\"ts\":%llu,\"sq\":%d,\"p\":\"", (unsigned long long)t, i);
        while (n < opt_size - 2) data[n++] = 'x';
        data[n++] = '"';
        data[n++] = '}';
        data[n] = 0;
        g_sent_ns[i] = t;
        if (i == opt_warmup) t_first = t;
        if (http) {
            int status = http_publish(pub, data);
            if (status != 200 && status != 201) bad_status++;
        } else {
            snprintf(msg, (size_t)opt_size + 256, "{\"type\":\"publish\",\"channel\":\"%s\",\"data\":%s}", opt_channel, data);
            if (send_text(pub, msg) < 0) die("publish: send");
        }
        sent++;
    }
    double cpu_pub = cpu_seconds_of(RUSAGE_THREAD) - cpu_pub0;
    uint64_t drain_until = now_ns() + 10000000000ull;
    if (drain_until > deadline + 10000000000ull) drain_until = deadline + 10000000000ull;
    while (atomic_load(&g_completed) < sent && now_ns() < drain_until) {
        wait_progress(pub, http, 100);
    }
    usleep(20000);
    atomic_store(&g_stop, 1);
    for (int i = 0; i < opt_threads; i++) pthread_join(ws[i].th, NULL);
    uint64_t deliveries = 0, last = 0;
    size_t nlat = 0;
    for (int i = 0; i < opt_threads; i++) {
        nlat += ws[i].nlat;
        if (ws[i].last_recv_ns > last) last = ws[i].last_recv_ns;
    }
    uint64_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    size_t k = 0;
    for (int i = 0; i < opt_threads; i++) {
        memcpy(lat + k, ws[i].lat, ws[i].nlat * sizeof *lat);
        k += ws[i].nlat;
    }
    deliveries = nlat; /* measured (non-warm-up) deliveries */
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    int measured = sent > opt_warmup ? sent - opt_warmup : 0;
    uint64_t *comp = calloc((size_t)(measured ? measured : 1), sizeof *comp);
    int ncomp = 0;
    for (int i = opt_warmup; i < sent; i++)
        if (g_complete_ns[i]) comp[ncomp++] = g_complete_ns[i] - g_sent_ns[i];
    qsort(comp, (size_t)ncomp, sizeof *comp, cmp_u64);
    double span = (t_first && last > t_first) ? (double)(last - t_first) / 1e9 : 0;
    printf("{\"mode\":\"fanout\",\"publish\":\"%s\",\"subscribers\":%d,\"failed\":%d,\"messages\":%d,\"size\":%d,"
           "\"rate\":%g,\"window\":%d,\"deliveries\":%llu,\"expected\":%llu,\"complete_broadcasts\":%d,"
           "\"seconds\":%.3f,\"deliveries_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"complete_p50_ms\":%.3f,\"complete_p99_ms\":%.3f,\"closed_by_server\":%d,\"errors\":%ld,"
           "\"bad_publish_status\":%d,\"client_cpu_s\":%.2f,\"publisher_cpu_s\":%.2f,\"setup_ms\":%.1f,"
           "\"setup_cpu_s\":%.2f}\n",
           opt_publish, subscribed, failed, measured, opt_size, opt_rate, opt_window, (unsigned long long)deliveries,
           (unsigned long long)measured * (unsigned long long)subscribed, ncomp, span, span > 0 ? (double)deliveries / span : 0,
           pct_ms(lat, nlat, 0.5), pct_ms(lat, nlat, 0.99), pct_ms(lat, nlat, 1.0), pct_ms(comp, (size_t)ncomp, 0.5),
           pct_ms(comp, (size_t)ncomp, 0.99), atomic_load(&g_closed_after_setup), atomic_load(&g_errors), bad_status,
           cpu_seconds() - cpu0, cpu_pub, (double)(t_ready - t0) / 1e6, cpu_setup);
    return (failed || ncomp < measured) ? 1 : 0;
}
