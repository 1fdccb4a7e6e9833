/// Messages on their way to the file: where each payload is and its io_group. The payloads live
/// in slabs (MessageSlab) that the batch keeps alive: the writer points HDF5 at them, no copy.
// @unchecked Sendable: filled under the batcher's lock, then handed whole to the writer thread;
// never changed by two threads.
package final class Batch: @unchecked Sendable {
    package private(set) var payloads: [UnsafeRawBufferPointer] = []
    package private(set) var ioGroups: [UInt8] = []
    /// One per payload (what the receiver counted, for the file's sidecar), or none when quality
    /// counting is off: the setting is the daemon's, so a batch never mixes the two.
    package private(set) var qualities: [MessageQuality] = []
    /// Every slab a payload points into.
    private var slabs: [MessageSlab] = []
    package private(set) var bytes = 0
    /// When the first message arrived (monotonic nanoseconds), for the age bound.
    private(set) var openedAt: UInt64 = 0

    init(capacity: Int) {
        payloads.reserveCapacity(capacity)
        ioGroups.reserveCapacity(capacity)
    }

    package var count: Int { payloads.count }
    var isEmpty: Bool { payloads.isEmpty }

    /// Starts the age bound (called with the first message).
    func open(at now: UInt64) { openedAt = now }

    /// Keeps `slabs` alive as long as this batch (messages added next point into them).
    func keep(_ slabs: [MessageSlab]) {
        for s in slabs where !self.slabs.contains(where: { $0 === s }) { self.slabs.append(s) }
    }

    @inline(__always)
    func add(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8) {
        payloads.append(payload)
        ioGroups.append(ioGroup)
        bytes += payload.count
    }

    @inline(__always)
    func add(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, quality: MessageQuality) {
        add(payload, ioGroup: ioGroup)
        qualities.append(quality)
    }

    /// Splits off the first `n` messages (for an exact message-count rotation); self keeps the rest.
    func removeFirst(_ n: Int) -> Batch {
        let head = Batch(capacity: n)
        head.open(at: openedAt)
        head.keep(slabs)
        if qualities.isEmpty {
            for i in 0..<n { head.add(payloads[i], ioGroup: ioGroups[i]) }
        } else {
            for i in 0..<n { head.add(payloads[i], ioGroup: ioGroups[i], quality: qualities[i]) }
            qualities.removeFirst(n)
        }
        payloads.removeFirst(n)
        ioGroups.removeFirst(n)
        bytes -= head.bytes
        return head
    }
}
