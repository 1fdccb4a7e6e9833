/// Messages on their way to the file: where each payload is and its io_group. The payloads live
/// in slabs (MessageSlab) or in ZeroMQ's own frames (ZMQFrameBlock), which the batch keeps
/// alive until it is flushed and let go: the writer points HDF5 at them, no copy.
// @unchecked Sendable: filled under the batcher's lock, then handed whole to the writer thread;
// never changed by two threads. Its owners' receivers write them only beyond what the batch
// points at, and the batcher's lock hands the batch over; the writer only reads and releases.
package final class Batch: @unchecked Sendable {
    /// The per-message columns in one stored value: adding a message is one (runtime-checked)
    /// access to the class's storage, not one per column.
    private struct Rows {
        var payloads: [UnsafeRawBufferPointer] = []
        var ioGroups: [UInt8] = []
        /// One per payload (what the receiver counted, for the file's sidecar), or none when
        /// quality counting is off: the setting is the daemon's, so a batch never mixes the two.
        var qualities: [MessageQuality] = []
        var bytes = 0

        @inline(__always)
        mutating func add(_ payload: UnsafeRawBufferPointer, _ ioGroup: UInt8) {
            payloads.append(payload)
            ioGroups.append(ioGroup)
            bytes += payload.count
        }

        @inline(__always)
        mutating func add(_ payload: UnsafeRawBufferPointer, _ ioGroup: UInt8, _ quality: MessageQuality) {
            add(payload, ioGroup)
            qualities.append(quality)
        }

        /// Appends `burst`'s messages from `start` on, up to the first that reaches `maxMessages`
        /// or `maxBytes` (it is the last one taken); returns how many it took. Each column is
        /// appended in one go: no per-message uniqueness or capacity check.
        mutating func add(_ burst: ReceivedBurst, from start: Int, maxMessages: Int, maxBytes: Int) -> Int {
            let limit = start + min(max(1, maxMessages - payloads.count), burst.count - start)
            var end = start, b = bytes
            burst.payloads.withUnsafeBufferPointer { p in
                while end < limit {
                    b += p[end].count
                    end += 1
                    if b >= maxBytes { break }
                }
            }
            payloads.append(contentsOf: burst.payloads[start..<end])
            ioGroups.append(contentsOf: burst.ioGroups[start..<end])
            if !burst.qualities.isEmpty { qualities.append(contentsOf: burst.qualities[start..<end]) }
            bytes = b
            return end - start
        }
    }

    private var rows = Rows()
    package var payloads: [UnsafeRawBufferPointer] { rows.payloads }
    package var ioGroups: [UInt8] { rows.ioGroups }
    package var qualities: [MessageQuality] { rows.qualities }
    package var bytes: Int { rows.bytes }
    /// Everything a payload points into (slabs, blocks of frames).
    private(set) var owners: [any PayloadOwner] = []
    /// When the first message arrived (monotonic nanoseconds), for the age bound.
    private(set) var openedAt: UInt64 = 0

    init(capacity: Int) {
        rows.payloads.reserveCapacity(capacity)
        rows.ioGroups.reserveCapacity(capacity)
    }

    package var count: Int { rows.payloads.count }
    var isEmpty: Bool { rows.payloads.isEmpty }

    /// Starts the age bound (called with the first message).
    func open(at now: UInt64) { openedAt = now }

    /// Keeps `owners` alive as long as this batch (messages added next point into them).
    func keep(_ owners: [any PayloadOwner]) {
        for o in owners where !self.owners.contains(where: { $0 === o }) { self.owners.append(o) }
    }

    @inline(__always)
    func add(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8) { rows.add(payload, ioGroup) }

    @inline(__always)
    func add(_ payload: UnsafeRawBufferPointer, ioGroup: UInt8, quality: MessageQuality) {
        rows.add(payload, ioGroup, quality)
    }

    /// Takes `burst`'s messages from `start` on until a bound is reached (see `Rows.add`): one
    /// access to the rows for the whole run, not one per message.
    func add(_ burst: ReceivedBurst, from start: Int, maxMessages: Int, maxBytes: Int) -> Int {
        rows.add(burst, from: start, maxMessages: maxMessages, maxBytes: maxBytes)
    }

    /// Splits off the first `n` messages (for an exact message-count rotation); self keeps the rest.
    func removeFirst(_ n: Int) -> Batch {
        let head = Batch(capacity: n)
        head.open(at: openedAt)
        head.keep(owners)
        let counted = !rows.qualities.isEmpty
        do {
            let r = rows
            for i in 0..<n {
                if counted { head.add(r.payloads[i], ioGroup: r.ioGroups[i], quality: r.qualities[i]) }
                else { head.add(r.payloads[i], ioGroup: r.ioGroups[i]) }
            }
        }
        if counted { rows.qualities.removeFirst(n) }
        rows.payloads.removeFirst(n)
        rows.ioGroups.removeFirst(n)
        rows.bytes -= head.bytes
        return head
    }
}
