/// Per-io_group counts: messages and bytes received and written, and when the last message
/// arrived. One table for the whole data path (IngestStats keeps it under its lock).
package struct IOGroupTable: Sendable, Equatable {
    package private(set) var messagesReceived = [Int](repeating: 0, count: 256)
    package private(set) var bytesReceived = [Int](repeating: 0, count: 256)
    package private(set) var messagesWritten = [Int](repeating: 0, count: 256)
    package private(set) var bytesWritten = [Int](repeating: 0, count: 256)
    /// Monotonic nanoseconds of the last arrival (0: never), to the burst: no clock per message.
    package private(set) var lastArrival = [UInt64](repeating: 0, count: 256)

    init() {}

    @inline(__always)
    mutating func received(ioGroup: UInt8, bytes: Int, at now: UInt64) {
        let g = Int(ioGroup)
        messagesReceived[g] += 1
        bytesReceived[g] += bytes
        lastArrival[g] = now
    }

    @inline(__always)
    mutating func written(ioGroup: UInt8, bytes: Int) {
        let g = Int(ioGroup)
        messagesWritten[g] += 1
        bytesWritten[g] += bytes
    }

    /// The io_groups that have received or written anything.
    package var active: [UInt8] {
        (0..<256).filter { messagesReceived[$0] > 0 || messagesWritten[$0] > 0 }.map { UInt8($0) }
    }
}
