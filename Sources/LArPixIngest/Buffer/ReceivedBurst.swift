/// What a receiver took from its socket in one go (every message already queued, up to a
/// bound), handed to the batcher under one lock.
struct ReceivedBurst {
    private(set) var payloads: [UnsafeRawBufferPointer] = []
    private(set) var ioGroups: [UInt8] = []
    /// One per payload, or none when quality counting is off (`quality.enabled: false`).
    private(set) var qualities: [MessageQuality] = []
    /// What keeps the payloads' bytes: the slabs they were copied into, the blocks of ZeroMQ
    /// frames kept (usually one or two).
    private(set) var owners: [any PayloadOwner] = []
    private(set) var bytes = 0

    var count: Int { payloads.count }
    var isEmpty: Bool { payloads.isEmpty }

    /// The slab generation (SlabAllocator) whose last slab `owners` holds; -1: none yet. Set by
    /// PayloadStore, which adds a slab only when the generation moved.
    var slabGeneration = -1

    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, in owner: any PayloadOwner) {
        append(payload, ioGroup: ioGroup)
        keep(owner)
    }

    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, quality: MessageQuality, in owner: any PayloadOwner) {
        append(payload, ioGroup: ioGroup, quality: quality)
        keep(owner)
    }

    /// A payload whose owner the burst already keeps (see `keep`).
    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8) {
        payloads.append(payload)
        ioGroups.append(ioGroup)
        bytes += payload.count
    }

    @inline(__always)
    mutating func append(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, quality: MessageQuality) {
        append(payload, ioGroup: ioGroup)
        qualities.append(quality)
    }

    /// Keeps `owner` alive with the burst (once).
    @inline(__always)
    mutating func keep(_ owner: any PayloadOwner) {
        // Small and large messages alternating switch between a slab and a block: each once.
        if owners.last !== owner && !owners.contains(where: { $0 === owner }) { owners.append(owner) }
    }

    mutating func removeAll() {
        payloads.removeAll(keepingCapacity: true)
        ioGroups.removeAll(keepingCapacity: true)
        qualities.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
        slabGeneration = -1
        bytes = 0
    }
}
