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
static inline hid_t lrp_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t lrp_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
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

// The error classes the project tells apart, by HDF5's own major/minor numbers (the ids are
// globals set at H5open, so they are compared at run time, never as text).
enum {
    LRP_E_OTHER = 0,
    // majors
    LRP_E_MAJ_FILE = 1, LRP_E_MAJ_OHDR, LRP_E_MAJ_DATATYPE, LRP_E_MAJ_HEAP, LRP_E_MAJ_CACHE,
    // minors
    LRP_E_MIN_VERSION = 100, LRP_E_MIN_BADMESG, LRP_E_MIN_UNSUPPORTED, LRP_E_MIN_CANTOPENFILE,
    LRP_E_MIN_OVERFLOW, LRP_E_MIN_CANTLOAD, LRP_E_MIN_CANTPROTECT, LRP_E_MIN_READERROR,
    LRP_E_MIN_TRUNCATED, LRP_E_MIN_BADVALUE, LRP_E_MIN_CANTDECODE, LRP_E_MIN_NOSPACE, LRP_E_MIN_WRITEERROR,
};
static inline int lrp_err_major(hid_t m) {
    if (m == H5E_FILE) return LRP_E_MAJ_FILE;
    if (m == H5E_OHDR) return LRP_E_MAJ_OHDR;
    if (m == H5E_DATATYPE) return LRP_E_MAJ_DATATYPE;
    if (m == H5E_HEAP) return LRP_E_MAJ_HEAP;
    if (m == H5E_CACHE) return LRP_E_MAJ_CACHE;
    return LRP_E_OTHER;
}
static inline int lrp_err_minor(hid_t m) {
    if (m == H5E_VERSION) return LRP_E_MIN_VERSION;
    if (m == H5E_BADMESG) return LRP_E_MIN_BADMESG;
    if (m == H5E_UNSUPPORTED) return LRP_E_MIN_UNSUPPORTED;
    if (m == H5E_CANTOPENFILE) return LRP_E_MIN_CANTOPENFILE;
    if (m == H5E_OVERFLOW) return LRP_E_MIN_OVERFLOW;
    if (m == H5E_CANTLOAD) return LRP_E_MIN_CANTLOAD;
    if (m == H5E_CANTPROTECT) return LRP_E_MIN_CANTPROTECT;
    if (m == H5E_READERROR) return LRP_E_MIN_READERROR;
    if (m == H5E_TRUNCATED) return LRP_E_MIN_TRUNCATED;
    if (m == H5E_BADVALUE) return LRP_E_MIN_BADVALUE;
    if (m == H5E_CANTDECODE) return LRP_E_MIN_CANTDECODE;
    if (m == H5E_NOSPACE) return LRP_E_MIN_NOSPACE;
    if (m == H5E_WRITEERROR) return LRP_E_MIN_WRITEERROR;
    return LRP_E_OTHER;
}

// Error stack walking: collect the innermost-first descriptions into a caller buffer, and each
// entry's (major, minor) class into `codes` (two ints an entry, up to `codes_cap` entries).
typedef struct { char *buf; size_t cap; size_t len; int count; int *codes; int codes_cap; char *funcs; size_t funcs_cap; size_t funcs_len; } lrp_err_sink;
static herr_t lrp_err_walk_cb(unsigned n, const H5E_error2_t *e, void *data) {
    lrp_err_sink *s = (lrp_err_sink *)data;
    if (s->codes && s->count < s->codes_cap) {
        s->codes[2 * s->count] = lrp_err_major(e->maj_num);
        s->codes[2 * s->count + 1] = lrp_err_minor(e->min_num);
    }
    // Function names, one per entry, separated by '\n'.
    if (s->funcs && s->funcs_len + 2 < s->funcs_cap) {
        int w = snprintf(s->funcs + s->funcs_len, s->funcs_cap - s->funcs_len, "%s\n", e->func_name ? e->func_name : "?");
        if (w > 0) { s->funcs_len += (size_t)w; if (s->funcs_len >= s->funcs_cap) s->funcs_len = s->funcs_cap - 1; }
    }
    if (s->len + 4 >= s->cap) { s->count++; return 0; }
    const char *d = e->desc ? e->desc : "";
    const char *sep = s->count ? "; " : "";
    int w = snprintf(s->buf + s->len, s->cap - s->len, "%s%s (%s)", sep, d, e->func_name ? e->func_name : "?");
    if (w > 0) { s->len += (size_t)w; if (s->len >= s->cap) s->len = s->cap - 1; }
    s->count++;
    (void)n;
    return 0;
}
// Writes the current error stack (innermost first) into buf and its classes into codes, clears
// it, returns its depth.
static inline int lrp_take_error_stack(char *buf, size_t cap, int *codes, int codes_cap, char *funcs, size_t funcs_cap) {
    lrp_err_sink s = { buf, cap, 0, 0, codes, codes_cap, funcs, funcs_cap, 0 };
    if (cap) buf[0] = 0;
    if (funcs_cap) funcs[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, lrp_err_walk_cb, &s);
    H5Eclear2(H5E_DEFAULT);
    return s.count;
}
#endif
