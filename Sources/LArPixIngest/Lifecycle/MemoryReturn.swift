import CMalloc

/// When the daemon's freed memory goes back to the kernel. glibc gives a heap's free top back as
/// soon as it passes 128 KiB (and raises that bar only as far as mmap'd blocks it frees). Under
/// load the receivers allocate slabs and the writer HDF5's heap collections as fast as batches
/// free them, so memory given back was faulted in again at once: with a backlog of 64-KiB
/// messages, a quarter of the writer's CPU (BENCHMARKS.md, "Memory given back"). So while data
/// flows, freed memory up to the buffer's size stays in the process (the buffer bounds what the
/// daemon holds anyway), and once the input has been idle for a while it is given back at once.
package enum MemoryReturn {
    /// Blocks up to this size come from malloc's heaps, not from mmap of their own: the slabs
    /// (1 MiB) and every board message (<= 256 KiB). Explicit, since setting the trim threshold
    /// turns glibc's dynamic mmap threshold off (its default is 128 KiB).
    static let mmapThreshold: Int32 = 4 << 20

    /// Keeps up to `bytes` of freed memory (the buffer's maximum) in the process.
    package static func keep(upTo bytes: Int) {
        _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        _ = mallopt(M_TRIM_THRESHOLD, Int32(clamping: max(bytes, Int(mmapThreshold))))
    }

    /// Gives every heap's free memory back to the kernel: whether any was.
    @discardableResult
    package static func giveBack() -> Bool { malloc_trim(0) != 0 }
}

/// Once per idle period: the first look at an input idle for `after` seconds or more says yes,
/// then no until input came again.
struct IdleTrim {
    /// Longer than the gaps of bursty input (a beam spill every ~1.2 s), so that memory is not
    /// given back between bursts only to be faulted in again.
    static let defaultAfter = 10.0

    let after: Double
    private var trimmed = false

    init(after: Double = Self.defaultAfter) { self.after = after }

    /// `idleFor`: seconds since the last input.
    mutating func due(idleFor: Double) -> Bool {
        guard idleFor >= after else {
            trimmed = false
            return false
        }
        if trimmed { return false }
        trimmed = true
        return true
    }
}
