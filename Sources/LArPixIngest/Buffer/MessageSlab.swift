/// Received payloads, copied out of ZeroMQ into large blocks: one copy per message and no
/// allocation per message. ZeroMQ's receive buffers are released at once (a message kept until
/// its flush would pin the whole 8 KiB buffer it arrived in), and HDF5's `hvl_t` points here.
/// A slab is freed when the receiver has moved on and the last batch pointing into it is gone.
// @unchecked Sendable: only its receiver writes (below `used`, never again below it); batches on
// the writer thread read bytes already written, handed over under the batcher's lock.
final class MessageSlab: @unchecked Sendable {
    /// Messages share slabs of this size. One that does not fit what is left of the current slab
    /// starts a new one, or, above `ownSlabAbove`, gets a slab of its own (so a slab's unused
    /// tail stays under a quarter of it).
    static let sharedCapacity = 1 << 20
    static let ownSlabAbove = sharedCapacity / 4

    private let base: UnsafeMutableRawPointer
    let capacity: Int
    /// Written by the receiver that owns the slab only; batches read the bytes below it.
    private var used = 0

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit { base.deallocate() }

    /// A copy of `bytes` in this slab, or nil when it does not fit.
    @inline(__always)
    func store(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let n = bytes.count
        guard capacity - used >= n else { return nil }
        let dst = base + used
        if n > 0 { dst.copyMemory(from: bytes.baseAddress!, byteCount: n) }
        used += n
        return UnsafeRawBufferPointer(start: dst, count: n)
    }
}
