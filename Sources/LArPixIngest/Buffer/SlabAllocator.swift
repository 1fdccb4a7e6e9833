/// A receiver's current slab: stores payloads, starting a new slab when one is full.
struct SlabAllocator {
    private(set) var current = MessageSlab(capacity: MessageSlab.sharedCapacity)

    /// A copy of `bytes` and the slab that holds it.
    @inline(__always)
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, MessageSlab) {
        if let copy = current.store(bytes) { return (copy, current) }
        if bytes.count > MessageSlab.ownSlabAbove {
            let own = MessageSlab(capacity: bytes.count)
            return (own.store(bytes)!, own)
        }
        current = MessageSlab(capacity: MessageSlab.sharedCapacity)
        return (current.store(bytes)!, current)
    }
}
