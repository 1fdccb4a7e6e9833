import Foundation

/// glibc's malloc returns every freed block above 128 KiB (up to 32 MiB as it adapts) to the
/// kernel, so a converter that frees and reallocates multi-megabyte blocks per block of
/// messages (the reader's descriptors and heap images, HDF5's buffers) pays a page fault per
/// 4 KiB again each time: measured, a third of the time of a 1032 B-message conversion.
/// Process-wide: programs call it from their own main (larpix-raw convert, larpix-bench), a
/// library user only if it wants the same.
public enum ProcessHeap {
    /// Keeps freed blocks below `mmapThreshold` in the heap (reused without faults) and trims
    /// the heap only past `trimThreshold` of free memory at its top. Returns false without glibc.
    @discardableResult
    public static func keepLargeFreedBlocks(mmapThreshold: Int32 = 64 << 20, trimThreshold: Int32 = 256 << 20) -> Bool {
        // mallopt through dlsym: malloc.h is not in Swift's Glibc module. Constants from malloc.h.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_THRESHOLD: Int32 = -3
        return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1
    }
}
