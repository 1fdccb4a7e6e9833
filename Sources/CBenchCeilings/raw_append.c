// The C ceiling of the raw-file appender: the HDF5 calls of LArPixRaw.RawFileWriter (create,
// append, flush, close), in the same order, with nothing else around them.
#include "bench_ceilings.h"
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#define CHECK(expr, what) do { if ((expr) < 0) { snprintf(err, errcap, "%s failed", what); goto fail; } } while (0)

static double monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double unix_seconds(void) {
    struct timeval t;
    gettimeofday(&t, NULL);
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

// H5Attributes.writeDouble: open the existing attribute (or create it) and write in place.
static herr_t write_double(hid_t obj, const char *name, double value) {
    hid_t a;
    if (H5Aexists(obj, name) > 0) {
        a = H5Aopen(obj, name, H5P_DEFAULT);
    } else {
        hid_t s = H5Screate(H5S_SCALAR);
        a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(s);
    }
    if (a < 0) return -1;
    herr_t r = H5Awrite(a, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(a);
    return r;
}

// H5Attributes.writeString: a variable-length UTF-8 scalar, as h5py writes str attributes.
static herr_t write_string(hid_t obj, const char *name, const char *value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    herr_t r = a < 0 ? -1 : H5Awrite(a, t, &value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return r;
}

static hid_t create_dataset(hid_t file, const char *name, hid_t type, int chunk, int gzip_level) {
    hsize_t dims = 0, maxdims = H5S_UNLIMITED, c = (hsize_t)chunk;
    hid_t space = H5Screate_simple(1, &dims, &maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &c);
    if (gzip_level >= 0) H5Pset_deflate(dcpl, (unsigned)gzip_level);
    hid_t d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

// H5Dataset.setCount + H5Dataset.write: extend, select the new rows, write them.
static herr_t append_rows(hid_t d, hid_t mem_type, const void *buf, hsize_t start, hsize_t count) {
    hsize_t n = start + count;
    if (H5Dset_extent(d, &n) < 0) return -1;
    hid_t file_space = H5Dget_space(d);
    if (file_space < 0) return -1;
    herr_t r = H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, NULL, &count, NULL);
    hid_t mem = H5Screate_simple(1, &count, &count);
    if (r >= 0) r = H5Dwrite(d, mem_type, mem, file_space, H5P_DEFAULT, buf);
    H5Sclose(mem);
    H5Sclose(file_space);
    return r;
}

int lrp_bench_c_append(const char *path, const void *const *messages, const size_t *lengths, long pool,
                       long total, long batch, double flush_interval, int chunk, int gzip_level,
                       uint8_t io_group, char *err, size_t errcap) {
    hid_t fcpl = -1, fapl = -1, file = -1, meta = -1, msgs = -1, hdrs = -1;
    hid_t msg_file_type = -1, hdr_file_type = -1, msg_mem_type = -1, hdr_mem_type = -1;
    hvl_t *desc = malloc(sizeof(hvl_t) * (size_t)batch);
    uint8_t *groups = malloc((size_t)batch);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!desc || !groups) { snprintf(err, errcap, "out of memory"); goto fail; }

    // RawFileWriter.create
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    CHECK(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "set library version bounds");
    CHECK(H5Pset_file_locking(fapl, 0, 1), "disable file locking");
    CHECK(file = H5Fcreate(path, H5F_ACC_EXCL, fcpl, fapl), "create file");
    CHECK(meta = H5Gcreate2(file, "meta", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create /meta");
    double now = unix_seconds();
    CHECK(write_string(meta, "version", "0.0"), "write version");
    CHECK(write_double(meta, "created", now), "write created");
    CHECK(write_double(meta, "modified", now), "write modified");
    CHECK(write_string(meta, "io_version", "0.0"), "write io_version");
    msg_file_type = H5Tvlen_create(H5T_STD_U8LE);
    hdr_file_type = H5Tcreate(H5T_COMPOUND, 1);
    H5Tinsert(hdr_file_type, "io_groups", 0, H5T_STD_U8LE);
    CHECK(msgs = create_dataset(file, "msgs", msg_file_type, chunk, gzip_level), "create /msgs");
    CHECK(hdrs = create_dataset(file, "msg_headers", hdr_file_type, chunk, gzip_level), "create /msg_headers");
    CHECK(H5Fstart_swmr_write(file), "start SWMR writing");
    CHECK(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush");
    msg_mem_type = H5Tvlen_create(H5T_NATIVE_UINT8);
    hdr_mem_type = H5Tcreate(H5T_COMPOUND, 1);
    H5Tinsert(hdr_mem_type, "io_groups", 0, H5T_NATIVE_UINT8);

    // append + flush, batch by batch
    long written = 0;
    double last_flush = monotonic_seconds();
    while (written < total) {
        long n = total - written < batch ? total - written : batch;
        for (long i = 0; i < n; i++) {
            long k = (written + i) % pool;
            desc[i].len = lengths[k];
            desc[i].p = (void *)messages[k];
            groups[i] = io_group;
        }
        CHECK(append_rows(msgs, msg_mem_type, desc, (hsize_t)written, (hsize_t)n), "append to /msgs");
        CHECK(append_rows(hdrs, hdr_mem_type, groups, (hsize_t)written, (hsize_t)n), "append to /msg_headers");
        written += n;
        double t = monotonic_seconds();
        if (flush_interval <= 0 || t - last_flush >= flush_interval) {
            CHECK(write_double(meta, "modified", unix_seconds()), "write modified");
            CHECK(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush");
            last_flush = t;
        }
    }

    // RawFileWriter.close(fsync: false)
    CHECK(write_double(meta, "modified", unix_seconds()), "write modified");
    H5Dclose(msgs); msgs = -1;
    H5Dclose(hdrs); hdrs = -1;
    H5Gclose(meta); meta = -1;
    CHECK(H5Fclose(file), "close file");
    file = -1;
    H5Tclose(msg_file_type); H5Tclose(hdr_file_type); H5Tclose(msg_mem_type); H5Tclose(hdr_mem_type);
    H5Pclose(fcpl); H5Pclose(fapl);
    free(desc); free(groups);
    return 0;
fail:
    if (msgs >= 0) H5Dclose(msgs);
    if (hdrs >= 0) H5Dclose(hdrs);
    if (meta >= 0) H5Gclose(meta);
    if (file >= 0) H5Fclose(file);
    free(desc); free(groups);
    return -1;
}
