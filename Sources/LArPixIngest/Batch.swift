import ZMQ

/// Messages on their way to the file. Each holds its ZeroMQ message, whose bytes stay where
/// ZeroMQ received them: the writer points HDF5 at them, no copy is made.
final class Batch: @unchecked Sendable {
    private(set) var messages: [ZMQMessage] = []
    private(set) var ioGroups: [UInt8] = []
    private(set) var bytes = 0
    /// When the first message arrived (monotonic nanoseconds), for the age bound.
    private(set) var openedAt: UInt64 = 0

    init(capacity: Int) {
        messages.reserveCapacity(capacity)
        ioGroups.reserveCapacity(capacity)
    }

    var count: Int { messages.count }
    var isEmpty: Bool { messages.isEmpty }

    func add(_ message: ZMQMessage, ioGroup: UInt8, now: UInt64) {
        if messages.isEmpty { openedAt = now }
        messages.append(message)
        ioGroups.append(ioGroup)
        bytes += message.count
    }

    /// Splits off the first `n` messages (for an exact message-count rotation); self keeps the rest.
    func removeFirst(_ n: Int) -> Batch {
        let head = Batch(capacity: n)
        for i in 0..<n { head.add(messages[i], ioGroup: ioGroups[i], now: openedAt) }
        messages.removeFirst(n)
        ioGroups.removeFirst(n)
        bytes -= head.bytes
        return head
    }
}
