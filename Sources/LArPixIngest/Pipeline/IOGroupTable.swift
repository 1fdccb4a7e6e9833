/// Per-io_group counts: messages and bytes received and written, when the last message
/// arrived, and the data-quality counters (words by type, timing faults, when the last heartbeat
/// and 'S' sync came). One table for the whole data path (IngestStats keeps it under its lock).
package struct IOGroupTable: Sendable, Equatable {
    package private(set) var messagesReceived = [Int](repeating: 0, count: 256)
    package private(set) var bytesReceived = [Int](repeating: 0, count: 256)
    package private(set) var messagesWritten = [Int](repeating: 0, count: 256)
    package private(set) var bytesWritten = [Int](repeating: 0, count: 256)
    /// Monotonic nanoseconds of the last arrival (0: never), to the burst: no clock per message.
    package private(set) var lastArrival = [UInt64](repeating: 0, count: 256)
    package private(set) var quality = [QualityCounts](repeating: QualityCounts(), count: 256)
    /// Monotonic nanoseconds of the burst that held the last heartbeat ('H') / 'S' sync (0: never).
    package private(set) var lastHeartbeat = [UInt64](repeating: 0, count: 256)
    package private(set) var lastSync = [UInt64](repeating: 0, count: 256)

    init() {}

    /// `messages` messages of `bytes` in all from `ioGroup`, arrived at `now`.
    @inline(__always)
    mutating func received(ioGroup: UInt8, messages: Int, bytes: Int, at now: UInt64) {
        let g = Int(ioGroup)
        messagesReceived[g] += messages
        bytesReceived[g] += bytes
        lastArrival[g] = now
    }

    /// A burst's message qualities (the receiver counted them; nothing is parsed here), over
    /// the arrays' buffers: one uniqueness check per burst, not per message.
    mutating func received(ioGroups: [UInt8], qualities: [MessageQuality], at now: UInt64) {
        quality.withUnsafeMutableBufferPointer { totals in
            for i in 0..<min(ioGroups.count, qualities.count) {
                let q = qualities[i], g = Int(ioGroups[i])
                totals[g].add(q)
                if _slowPath(q.heartbeats > 0) { lastHeartbeat[g] = now }
                if _slowPath(q.syncs > 0) { lastSync[g] = now }
            }
        }
    }

    @inline(__always)
    mutating func written(ioGroup: UInt8, messages: Int, bytes: Int) {
        let g = Int(ioGroup)
        messagesWritten[g] += messages
        bytesWritten[g] += bytes
    }

    /// The io_groups that have received or written anything.
    package var active: [UInt8] {
        (0..<256).filter { messagesReceived[$0] > 0 || messagesWritten[$0] > 0 }.map { UInt8($0) }
    }
}
