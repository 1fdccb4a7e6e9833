/// What a receiver took from its socket in one go (every message already queued, up to a
/// bound), handed to the batcher under one lock.
struct ReceivedBurst {
    private(set) var payloads: [UnsafeRawBufferPointer] = []
    private(set) var ioGroups: [UInt8] = []
    /// One per payload, or none when quality counting is off (`quality.enabled: false`).
    private(set) var qualities: [MessageQuality] = []
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

    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, quality: MessageQuality, in slab: MessageSlab) {
        append(payload, ioGroup: ioGroup, in: slab)
        qualities.append(quality)
    }

    mutating func removeAll() {
        payloads.removeAll(keepingCapacity: true)
        ioGroups.removeAll(keepingCapacity: true)
        qualities.removeAll(keepingCapacity: true)
        slabs.removeAll(keepingCapacity: true)
        bytes = 0
    }
}
