/// What a receiver took from its socket in one go (every message already queued, up to a
/// bound), handed to the batcher under one lock.
struct ReceivedBurst {
    private(set) var payloads: [UnsafeRawBufferPointer] = []
    private(set) var ioGroups: [UInt8] = []
    /// The slabs the payloads point into (usually one).
    private(set) var slabs: [MessageSlab] = []
    private(set) var bytes = 0

    var count: Int { payloads.count }
    var isEmpty: Bool { payloads.isEmpty }

    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, in slab: MessageSlab) {
        payloads.append(payload)
        ioGroups.append(ioGroup)
        bytes += payload.count
        if slabs.last !== slab { slabs.append(slab) }
    }

    mutating func removeAll() {
        payloads.removeAll(keepingCapacity: true)
        ioGroups.removeAll(keepingCapacity: true)
        slabs.removeAll(keepingCapacity: true)
        bytes = 0
    }
}
