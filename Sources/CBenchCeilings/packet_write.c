// The packet-file ceiling for `larpix-bench packets` (bench/convert.sh): plain C writing the
// same rows, datasets and settings as LArPixPackets.PacketFile, with nothing else in the way
// (no raw file read, no decoding). See bench_ceilings.h.
#include "bench_ceilings.h"
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static double now_seconds(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static hid_t uint_le(size_t bytes) {
    hid_t t = H5Tcopy(H5T_STD_U8LE);
    if (bytes > 1) H5Tset_precision(t, 8 * bytes);
    return t;
}

// The 2.4 packets row: 22 fields, packed, 36 bytes (docs/PACKETS.md).
static hid_t packet_type(void) {
    static const struct { const char *name; size_t bytes; } f[] = {
        {"io_group", 1}, {"io_channel", 1}, {"chip_id", 1}, {"packet_type", 1}, {"downstream_marker", 1},
        {"parity", 1}, {"valid_parity", 1}, {"channel_id", 1}, {"timestamp", 8}, {"dataword", 1},
        {"trigger_type", 1}, {"local_fifo", 1}, {"shared_fifo", 1}, {"register_address", 1},
        {"register_data", 1}, {"direction", 1}, {"local_fifo_events", 1}, {"shared_fifo_events", 2},
        {"counter", 4}, {"fifo_diagnostics_enabled", 1}, {"first_packet", 1}, {"receipt_timestamp", 4}};
    hid_t t = H5Tcreate(H5T_COMPOUND, 36);
    size_t off = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        hid_t m = uint_le(f[i].bytes);
        H5Tinsert(t, f[i].name, off, m);
        H5Tclose(m);
        off += f[i].bytes;
    }
    return t;
}

static hid_t side_type(int configs) {
    hid_t t = H5Tcreate(H5T_COMPOUND, configs ? 250 : 76);
    hid_t u8 = uint_le(1), u32 = uint_le(4), u64 = uint_le(8);
    if (configs) {
        hsize_t n = 239;
        hid_t arr = H5Tarray_create2(u8, 1, &n);
        H5Tinsert(t, "timestamp", 0, u64);
        H5Tinsert(t, "io_group", 8, u8);
        H5Tinsert(t, "io_channel", 9, u8);
        H5Tinsert(t, "chip_id", 10, u8);
        H5Tinsert(t, "registers", 11, arr);
        H5Tclose(arr);
    } else {
        hid_t s = H5Tcopy(H5T_C_S1);
        H5Tset_size(s, 64);
        H5Tset_strpad(s, H5T_STR_NULLPAD);
        H5Tinsert(t, "message", 0, s);
        H5Tinsert(t, "timestamp", 64, u64);
        H5Tinsert(t, "index", 72, u32);
        H5Tclose(s);
    }
    H5Tclose(u8); H5Tclose(u32); H5Tclose(u64);
    return t;
}

static hid_t table(hid_t file, const char *name, hid_t type, hsize_t chunk) {
    hsize_t zero = 0, unlimited = H5S_UNLIMITED;
    hid_t space = H5Screate_simple(1, &zero, &unlimited);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    hid_t d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

static int string_attr(hid_t obj, const char *name, const char *value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, t, &value) < 0 ? -1 : 0;
    H5Aclose(a); H5Sclose(s); H5Tclose(t);
    return rc;
}

static int double_attr(hid_t obj, const char *name, double v) {
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT)
                                       : H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, &v) < 0 ? -1 : 0;
    H5Aclose(a); H5Sclose(s);
    return rc;
}

// Rows that look like a converted message: a timestamp row, then data rows.
static void fill_rows(unsigned char *rows, long n) {
    memset(rows, 0, (size_t)n * 36);
    for (long i = 0; i < n; i++) {
        unsigned char *r = rows + i * 36;
        uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        r[0] = 1; r[1] = (unsigned char)x; r[2] = (unsigned char)(x >> 8); r[3] = i % 5 == 0 ? 4 : 0;
        memcpy(r + 8, &x, 4);
        r[16] = (unsigned char)(x >> 16);
        memcpy(r + 32, &x, 4);
    }
}

// One write of `n` rows at `done`: whole chunks directly when asked (done is chunk-aligned then).
static int write_rows(hid_t packets, hid_t type, const unsigned char *rows, long done, long n, long chunk, int direct) {
    hsize_t extent = (hsize_t)(done + n);
    if (H5Dset_extent(packets, &extent) < 0) return -1;
    long whole = direct ? n / chunk * chunk : 0;
    for (long k = 0; k < whole; k += chunk) {
        hsize_t offset = (hsize_t)(done + k);
        if (H5Dwrite_chunk(packets, H5P_DEFAULT, 0, &offset, (size_t)chunk * 36, rows + k * 36) < 0) return -1;
    }
    if (whole == n) return 0;
    hsize_t start = (hsize_t)(done + whole), count = (hsize_t)(n - whole);
    hid_t fs = H5Dget_space(packets), ms = H5Screate_simple(1, &count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
    int rc = H5Dwrite(packets, type, ms, fs, H5P_DEFAULT, rows + whole * 36) < 0 ? -1 : 0;
    H5Sclose(ms); H5Sclose(fs);
    return rc;
}

int lrp_bench_c_packets(const char *path, long total_rows, long rows_per_write, long chunk, int direct, char *err, size_t errcap) {
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (rows_per_write < 1) rows_per_write = 1;
    if (chunk < 1) chunk = 1;
    if (direct && rows_per_write > chunk) rows_per_write = rows_per_write / chunk * chunk;
    unsigned char *rows = malloc((size_t)rows_per_write * 36);
    if (!rows) { snprintf(err, errcap, "out of memory"); return -1; }
    fill_rows(rows, rows_per_write);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    hid_t file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (file < 0) { free(rows); snprintf(err, errcap, "cannot create %s", path); return -1; }
    hid_t header = H5Gcreate2(file, "_header", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double t = now_seconds();
    int rc = string_attr(header, "version", "2.4") | double_attr(header, "created", t) | double_attr(header, "modified", t);
    hid_t type = packet_type();
    hid_t packets = table(file, "packets", type, (hsize_t)chunk);
    rc |= string_attr(packets, "packet_types", "\n0: 'data',\n1: 'test',\n2: 'config write',\n3: 'config read',\n4: 'timestamp',\n5: 'message',\n");
    hid_t mt = side_type(0), ct = side_type(1);
    H5Dclose(table(file, "messages", mt, 128));
    H5Dclose(table(file, "configs", ct, 64));
    H5Tclose(mt); H5Tclose(ct);
    for (long done = 0; done < total_rows && rc == 0;) {
        long n = total_rows - done < rows_per_write ? total_rows - done : rows_per_write;
        rc = write_rows(packets, type, rows, done, n, chunk, direct);
        done += n;
    }
    rc |= double_attr(header, "modified", now_seconds());
    H5Tclose(type);
    H5Dclose(packets);
    H5Gclose(header);
    if (H5Fclose(file) < 0) rc = -1;
    free(rows);
    if (rc != 0) snprintf(err, errcap, "an HDF5 call failed writing %s", path);
    return rc;
}
