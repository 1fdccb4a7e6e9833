#ifndef LARPIX_ORDERED_VFD_H
#define LARPIX_ORDERED_VFD_H
// An HDF5 file driver for a SWMR writer of variable-length data (see ordered_vfd.c).
//
// What it asks of the process that uses it:
// - Linux only: write leases (F_SETLEASE), F_SETSIG and inotify.
// - SIGURG is the lease-break signal; the process must leave SIGURG at its default disposition
//   (ignored): a handler installed for it would run on every reader's open.
// - Leases need the writer to own the file (or CAP_LEASE); otherwise it falls back to inotify's
//   count of opens, and without inotify to waiting the whole exposure_wait (counted).
// - The wait for readers happens inside H5Fflush, so HDF5's global lock is held for up to
//   exposure_wait: any other HDF5 caller in the process waits too.
// - One writer thread per file.
#include <hdf5.h>

/// Per-file counters, read with lrp_ordered_stats.
typedef struct lrp_ordered_stats_t {
    unsigned long long held_writes;  // object-header writes held back until a flush's end
    unsigned long long commits;      // flushes that wrote held writes
    unsigned long long held_bytes;   // bytes of held writes
    unsigned long long reader_waits; // times a commit waited for a reader to close the file
    unsigned long long wait_timeouts;// commits made with a reader still open (exposure_wait ran out)
    unsigned long long commit_failures;   // commits that failed (held writes kept, written again next flush)
    unsigned long long unordered_rewrites;// heap collections rewritten in place, unordered (old one unreadable)
    unsigned long long blind_waits;       // waits of the whole exposure_wait with no lease and no inotify
    unsigned long long ordered_rewrites;  // heap collections rewritten over their older version, tail first
} lrp_ordered_stats_t;

/// Sets the driver on a file-access property list. exposure_wait: at the end of a flush, the
/// longest time (seconds) to wait for readers to close the file before writing the held object
/// headers.
herr_t lrp_ordered_set_fapl(hid_t fapl, double exposure_wait);

/// Counters of an open file that uses the driver; -1 if it does not.
herr_t lrp_ordered_stats(hid_t file, lrp_ordered_stats_t *stats);

/// Changes the exposure wait of an open file that uses the driver.
herr_t lrp_ordered_set_wait(hid_t file, double exposure_wait);

#endif
