// Ceilings for the benchmark suite (bench/run.sh): what plain C reaches with the same libraries.
// raw_append.c writes the LArPix raw v0.0 layout with the same HDF5 calls, in the same order and
// with the same flush policy as LArPixRaw.RawFileWriter; zmq_ceiling.c publishes and counts
// ZeroMQ messages with nothing else in the way.
#ifndef LARPIX_BENCH_CEILINGS_H
#define LARPIX_BENCH_CEILINGS_H
#include <stddef.h>
#include <stdint.h>

// Creates `path` (never overwrites) as RawFileWriter.create does, appends `total` messages in
// batches of `batch`, taking message k from the pool entry k % pool (bytes `messages[i]`, length
// `lengths[i]`, io_group `io_group`); after each batch, when `flush_interval` seconds have passed
// since the last flush (<= 0: after every batch), sets meta/modified and flushes the whole file;
// closes without fsync (as RawFileWriter.close(fsync: false)). Returns 0, or -1 with a reason in
// `err`.
int lrp_bench_c_append(const char *path, const void *const *messages, const size_t *lengths, long pool,
                       long total, long batch, double flush_interval, int chunk, int gzip_level,
                       uint8_t io_group, char *err, size_t errcap);

// Publisher: binds one PUB socket per endpoint (n of them), waits `start_delay` seconds for
// subscribers, then sends `count` single-frame messages of `bytes` bytes (a well-formed PACMAN
// data message when bytes = 8 + 16 k), round robin over the sockets, paced to `rate` messages/s
// in total (<= 0: as fast as possible). `stamp` != 0 writes CLOCK_REALTIME nanoseconds into the
// first word's packet bytes (offset 16) at send time. `block` != 0: a full queue blocks (nothing
// dropped); 0: drop (and count) when the queue of `hwm` messages is full, as a PACMAN
// dataserver does. Counts of sent and dropped go to the out pointers, with the CLOCK_MONOTONIC
// time of the first send (`started`, comparable across processes: the suite times first send ->
// visible in the file) and first to last send (`seconds`); returns 0 or -1.
int lrp_bench_zmq_publish(const char *const *endpoints, int n, size_t bytes, long count, double rate,
                          double start_delay, int hwm, int block, int stamp,
                          long *sent, long *dropped, double *started, double *seconds, char *err, size_t errcap);

// Subscriber that only counts: connects one SUB per endpoint, counts messages and bytes until
// `expected` arrived (> 0) or nothing came for `idle_timeout` seconds after the first message (or
// `first_timeout` before it). `seconds` is first to last message. Returns 0 or -1.
int lrp_bench_zmq_count(const char *const *endpoints, int n, long expected, int rcvhwm,
                        double first_timeout, double idle_timeout,
                        long *messages, long *bytes, double *seconds, char *err, size_t errcap);

// The packet-file ceiling (convert): creates `path` (never overwrites) as larpix-control's
// to_file and LArPixPackets.PacketFile do (default library bounds, _header with version,
// created and modified, the 2.4 `packets` compound chunked by `chunk` rows with the fill
// time at allocation and its packet_types attribute, empty `messages` and `configs`), then
// appends `total_rows` rows of 36 bytes in writes of `rows_per_write` (one set_extent and
// one H5Dwrite each) from one pre-filled buffer, sets modified and closes. `direct` != 0: whole
// chunks go through H5Dwrite_chunk (no chunk cache, no selection), a partial last one through
// H5Dwrite. Returns 0 or -1.
int lrp_bench_c_packets(const char *path, long total_rows, long rows_per_write, long chunk, int direct,
                        char *err, size_t errcap);

// CLOCK_REALTIME in nanoseconds (the publisher's stamp clock).
int64_t lrp_bench_realtime_ns(void);
#endif
