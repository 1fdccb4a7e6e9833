/// A receiver's current slab: stores payloads, starting a new slab when one is full.
struct SlabAllocator {
    private(set) var current = MessageSlab(capacity: MessageSlab.sharedCapacity)
    /// The slab that holds the last copy (the current one, or one of its own, which this keeps
    /// alive until the next copy).
    private(set) var last: MessageSlab
    /// Changes whenever a copy lands in another slab than the copy before: what a burst must
    /// keep alive changes only then, so a receiver looks at `last` (a retain) only then.
    private(set) var generation = 0
    private var lastIsCurrent = true

    init() { last = current }

    /// A copy of `bytes` and the slab that holds it.
    @inline(__always)
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, MessageSlab) {
        let copy = self.copy(bytes)
        return (copy, last)
    }

    /// A copy of `bytes`, in `last`.
    @inline(__always)
    mutating func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if let copy = current.store(bytes) {
            if _slowPath(!lastIsCurrent) { moved(to: current, isCurrent: true) }
            return copy
        }
        if bytes.count > MessageSlab.ownSlabAbove {
            let own = MessageSlab(capacity: bytes.count)
            moved(to: own, isCurrent: false)
            return own.store(bytes)!
        }
        current = MessageSlab(capacity: MessageSlab.sharedCapacity)
        moved(to: current, isCurrent: true)
        return current.store(bytes)!
    }

    private mutating func moved(to slab: MessageSlab, isCurrent: Bool) {
        last = slab
        lastIsCurrent = isCurrent
        generation &+= 1
    }
}
