// The ZeroMQ ceiling: a publisher and a subscriber that only counts, in plain C over libzmq, so
// that what the daemon reaches on loopback can be compared with what ZeroMQ itself reaches.
#include "bench_ceilings.h"
#include <zmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int64_t lrp_bench_realtime_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_seconds(double s) {
    if (s <= 0) return;
    struct timespec t = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

// A PACMAN data message of `bytes` bytes: header 'D', msg_time, pad, msg_words; 'D' data words.
static void fill_message(uint8_t *m, size_t bytes) {
    memset(m, 0, bytes);
    m[0] = 'D';
    uint32_t t = (uint32_t)time(NULL);
    memcpy(m + 1, &t, 4);
    size_t words = bytes >= 8 ? (bytes - 8) / 16 : 0;
    uint16_t w = (uint16_t)(words > 0xffff ? 0xffff : words);
    memcpy(m + 6, &w, 2);
    for (size_t i = 0; i < words; i++) {
        uint8_t *p = m + 8 + 16 * i;
        p[0] = 'D';
        p[1] = (uint8_t)(i % 40);
        for (int j = 0; j < 8; j++) p[8 + j] = (uint8_t)(i * 31 + j * 7);
    }
}

int lrp_bench_zmq_publish(const char *const *endpoints, int n, size_t bytes, long count, double rate,
                          double start_delay, int hwm, int block, int stamp,
                          long *sent, long *dropped, double *started, double *seconds, char *err, size_t errcap) {
    void *ctx = zmq_ctx_new();
    void **socks = calloc((size_t)n, sizeof(void *));
    uint8_t *msg = malloc(bytes > 24 ? bytes : 24);
    int rc = -1;
    *sent = 0; *dropped = 0; *started = 0; *seconds = 0;
    fill_message(msg, bytes);
    for (int i = 0; i < n; i++) {
        socks[i] = zmq_socket(ctx, ZMQ_PUB);
        int h = hwm, one = 1, linger = block ? -1 : 2000;
        zmq_setsockopt(socks[i], ZMQ_SNDHWM, &h, sizeof h);
        zmq_setsockopt(socks[i], ZMQ_LINGER, &linger, sizeof linger);
        // NODROP makes a full queue visible (EAGAIN) instead of a silent drop inside libzmq.
        zmq_setsockopt(socks[i], ZMQ_XPUB_NODROP, &one, sizeof one);
        if (zmq_bind(socks[i], endpoints[i]) != 0) {
            snprintf(err, errcap, "bind %s: %s", endpoints[i], zmq_strerror(zmq_errno()));
            goto done;
        }
    }
    sleep_seconds(start_delay);
    double start = monotonic_seconds();
    *started = start;
    for (long k = 0; k < count; k++) {
        if (rate > 0) {
            double due = start + (double)k / rate;
            double now = monotonic_seconds();
            if (due > now + 0.0005) sleep_seconds(due - now);
        }
        if (stamp && bytes >= 24) {
            int64_t ns = lrp_bench_realtime_ns();
            memcpy(msg + 16, &ns, 8);
        }
        void *s = socks[k % n];
        int ok = 1;
        while (zmq_send(s, msg, bytes, block ? 0 : ZMQ_DONTWAIT) < 0) {
            if (zmq_errno() == EINTR) continue;
            if (zmq_errno() == EAGAIN && !block) { ok = 0; break; }
            snprintf(err, errcap, "send: %s", zmq_strerror(zmq_errno()));
            goto done;
        }
        if (ok) (*sent)++; else (*dropped)++;
    }
    *seconds = monotonic_seconds() - start;
    rc = 0;
done:
    for (int i = 0; i < n; i++) if (socks[i]) zmq_close(socks[i]);
    zmq_ctx_term(ctx);
    free(socks);
    free(msg);
    return rc;
}

int lrp_bench_zmq_count(const char *const *endpoints, int n, long expected, int rcvhwm,
                        double first_timeout, double idle_timeout,
                        long *messages, long *bytes, double *seconds, char *err, size_t errcap) {
    void *ctx = zmq_ctx_new();
    void **socks = calloc((size_t)n, sizeof(void *));
    zmq_pollitem_t *items = calloc((size_t)n, sizeof(zmq_pollitem_t));
    int rc = -1;
    *messages = 0; *bytes = 0; *seconds = 0;
    for (int i = 0; i < n; i++) {
        socks[i] = zmq_socket(ctx, ZMQ_SUB);
        int linger = 0, buf = 4 << 20;
        zmq_setsockopt(socks[i], ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
        zmq_setsockopt(socks[i], ZMQ_RCVBUF, &buf, sizeof buf);
        zmq_setsockopt(socks[i], ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(socks[i], ZMQ_SUBSCRIBE, "", 0);
        if (zmq_connect(socks[i], endpoints[i]) != 0) {
            snprintf(err, errcap, "connect %s: %s", endpoints[i], zmq_strerror(zmq_errno()));
            goto done;
        }
        items[i].socket = socks[i];
        items[i].events = ZMQ_POLLIN;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    double first = 0, last = 0, began = monotonic_seconds();
    while (expected <= 0 || *messages < expected) {
        double wait = *messages == 0 ? first_timeout - (monotonic_seconds() - began)
                                      : idle_timeout - (monotonic_seconds() - last);
        if (wait <= 0) break;
        int r = zmq_poll(items, n, (long)(wait * 1000) + 1);
        if (r < 0) { if (zmq_errno() == EINTR) continue; snprintf(err, errcap, "poll failed"); goto done; }
        for (int i = 0; i < n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN)) continue;
            // Drain what is queued on this socket before polling again.
            while (zmq_msg_recv(&m, socks[i], ZMQ_DONTWAIT) >= 0) {
                last = monotonic_seconds();
                if (*messages == 0) first = last;
                (*messages)++;
                *bytes += (long)zmq_msg_size(&m);
            }
        }
    }
    zmq_msg_close(&m);
    *seconds = last - first;
    rc = 0;
done:
    for (int i = 0; i < n; i++) if (socks[i]) zmq_close(socks[i]);
    zmq_ctx_term(ctx);
    free(socks);
    free(items);
    return rc;
}
