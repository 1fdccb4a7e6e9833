/// The reusable memory a block of messages is decoded into: grown to the largest block seen
/// (blocks are bounded by bytes, so it is too), never shrunk, freed with the buffer. Not
/// thread-safe; one converter uses it.
public final class PacketRowBuffer {
    public private(set) var capacity = 0
    public private(set) var base: UnsafeMutableRawPointer
    /// Rows decoded since the last `reset()`.
    public var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(1, capacity)
        base = .allocate(byteCount: self.capacity * PacketFormat.packetRowBytes, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Makes room for `more` rows after the current ones (copying those over).
    @inline(__always)
    public func reserve(_ more: Int) {
        let need = count + more
        if need > capacity { grow(need) }
    }

    private func grow(_ need: Int) {
        var c = capacity
        while c < need { c *= 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: c * PacketFormat.packetRowBytes, alignment: 16)
        b.copyMemory(from: base, byteCount: count * PacketFormat.packetRowBytes)
        base.deallocate()
        base = b
        capacity = c
    }

    /// Where the next row goes.
    @inline(__always) public var end: UnsafeMutableRawPointer { base + count * PacketFormat.packetRowBytes }

    public func reset() { count = 0 }
}
