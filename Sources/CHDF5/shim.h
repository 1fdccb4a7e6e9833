// HDF5's type and property-list identifiers are macros over global variables (and H5open()),
// and a few constants are macros Swift cannot import. These inline functions expose them.
#ifndef LARPIX_CHDF5_SHIM_H
#define LARPIX_CHDF5_SHIM_H
#include <stdio.h>
#include <hdf5.h>

static inline hid_t lrp_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t lrp_H5S_ALL(void) { return H5S_ALL; }
static inline hsize_t lrp_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline size_t lrp_H5T_VARIABLE(void) { return H5T_VARIABLE; }

static inline hid_t lrp_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t lrp_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t lrp_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t lrp_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t lrp_H5T_C_S1(void) { return H5T_C_S1; }

static inline hid_t lrp_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t lrp_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t lrp_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t lrp_H5P_DATASET_XFER(void) { return H5P_DATASET_XFER; }
static inline hid_t lrp_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }

static inline hid_t lrp_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline H5F_libver_t lrp_H5F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }

static inline unsigned lrp_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned lrp_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned lrp_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned lrp_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned lrp_H5F_ACC_SWMR_WRITE(void) { return H5F_ACC_SWMR_WRITE; }
static inline unsigned lrp_H5F_ACC_SWMR_READ(void) { return H5F_ACC_SWMR_READ; }

// Silence HDF5's automatic error printing to stderr; errors are read off the stack instead.
static inline void lrp_silence_errors(void) { H5open(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// Error stack walking: collect the innermost-first descriptions into a caller buffer.
typedef struct { char *buf; size_t cap; size_t len; int count; } lrp_err_sink;
static herr_t lrp_err_walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
    lrp_err_sink *s = (lrp_err_sink *)data;
    if (s->len + 4 >= s->cap) return 0;
    const char *d = e->desc ? e->desc : "";
    const char *sep = s->count ? "; " : "";
    int w = snprintf(s->buf + s->len, s->cap - s->len, "%s%s (%s)", sep, d, e->func_name ? e->func_name : "?");
    if (w > 0) { s->len += (size_t)w; if (s->len >= s->cap) s->len = s->cap - 1; }
    s->count++;
    (void)n;
    return 0;
}
// Writes the current error stack (innermost first) into buf, clears it, returns its depth.
static inline int lrp_take_error_stack(char *buf, size_t cap) {
    lrp_err_sink s = { buf, cap, 0, 0 };
    if (cap) buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, lrp_err_walk_cb, &s);
    H5Eclear2(H5E_DEFAULT);
    return s.count;
}
#endif
