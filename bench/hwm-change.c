// Hand experiment (BENCHMARKS.md, "Where the threads wait at 1032 B"): does a
// ZMQ_RCVHWM changed on a connected SUB keep the connection flowing? A blocking XPUB (NODROP)
// sends N messages of 1 kB over loopback TCP; the SUB reads some, changes its RCVHWM, and reads
// on until 2 s pass without a message. With libzmq 4.3.4 a change made while the publisher is
// blocked on a full queue can stop the connection for good: the reader tells the writer it has
// room only when its count of messages read is a multiple of the low-water mark, and a new
// mark moves those multiples out of reach.
//   gcc -O2 -o /tmp/hwm-change bench/hwm-change.c -lzmq -lpthread && /tmp/hwm-change
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

enum { N = 200000, BYTES = 1032 };
static void *ctx;
static const char *ep = "tcp://127.0.0.1:39124";

static void *publish(void *arg) {
    (void)arg;
    void *p = zmq_socket(ctx, ZMQ_XPUB);
    int one = 1, hwm = 1000, linger = 3000;  // what is queued at the end is delivered
    zmq_setsockopt(p, ZMQ_XPUB_NODROP, &one, sizeof one);
    zmq_setsockopt(p, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(p, ZMQ_LINGER, &linger, sizeof linger);
    zmq_bind(p, ep);
    char sub[64];
    zmq_recv(p, sub, sizeof sub, 0);  // the subscription: the SUB is there
    static char msg[BYTES];
    int timeout = 5000;
    zmq_setsockopt(p, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    for (int i = 0; i < N; i++)
        if (zmq_send(p, msg, BYTES, 0) < 0) break;
    zmq_close(p);
    return NULL;
}

// Reads `first` messages at rcvhwm `from`, sets `to`, reads on; returns messages received.
static int trial(int from, int to, int first) {
    ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0, timeout = 2000;
    zmq_setsockopt(s, ZMQ_RCVHWM, &from, sizeof from);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    pthread_t t;
    pthread_create(&t, NULL, publish, NULL);
    zmq_connect(s, ep);
    static char buf[BYTES];
    int n = 0;
    while (n < first && zmq_recv(s, buf, sizeof buf, 0) >= 0) n++;
    // Let the publisher fill every queue and block before the change.
    struct timespec d = {0, 300 * 1000 * 1000};
    nanosleep(&d, NULL);
    zmq_setsockopt(s, ZMQ_RCVHWM, &to, sizeof to);
    while (zmq_recv(s, buf, sizeof buf, 0) >= 0) n++;
    pthread_join(t, NULL);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return n;
}

int main(void) {
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("libzmq %d.%d.%d, %d messages of %d B, blocking publisher\n", major, minor, patch, N, BYTES);
    int cases[][2] = {{1000, 1000}, {1000, 30000}, {30000, 1000}, {1000, 2000}, {1000, 4000}};
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int first = 5000; first <= 5001; first++)
            printf("rcvhwm %5d -> %5d after %d read: %6d received\n", cases[i][0], cases[i][1], first,
                   trial(cases[i][0], cases[i][1], first));
    return 0;
}
