import Synchronization

/// Why a received message was not stored; each reason is counted.
public enum DropReason: String, CaseIterable, Sendable {
    case empty
    case oversized
    case multipart
    case badTag = "bad_tag"
    case malformed
    /// `validate: strict` only: shorter than the 8-byte PACMAN header.
    case tooShort = "too_short"
    /// `validate: strict` only: msg_type is not 'D', '?' or '!'.
    case unknownType = "unknown_type"
    /// `validate: strict` only: the length is not 8 + 16 x msg_words (truncated or padded).
    case lengthMismatch = "length_mismatch"
    /// `validate: strict` only: a word type the message type may not hold.
    case badWord = "bad_word"
    /// Received, but the file could not be written and the daemon was told to stop.
    case writeFailed = "write_failed"
}

/// Counters shared by the receiver threads and the writer thread, read by status reporting and
/// tests. Totals are atomics; per-io_group counts are kept where a lock is already held (the
/// batcher per message, the writer per batch) and copied out on demand.
public final class IngestStats: Sendable {
    public let messagesReceived = Atomic<Int>(0)
    public let bytesReceived = Atomic<Int>(0)
    public let messagesWritten = Atomic<Int>(0)
    public let bytesWritten = Atomic<Int>(0)
    public let batchesWritten = Atomic<Int>(0)
    public let flushes = Atomic<Int>(0)
    public let rotations = Atomic<Int>(0)
    public let writeErrors = Atomic<Int>(0)
    /// Connections whose ZMTP/CURVE handshake failed (wrong key, security mismatch): nothing
    /// from them is ingested.
    public let handshakeFailures = Atomic<Int>(0)
    /// Nanoseconds receivers spent waiting for buffer space.
    public let blockedNanoseconds = Atomic<Int>(0)
    private let drops = Mutex<[DropReason: Int]>([:])
    private let writtenByIOGroup = Mutex<[Int]>(Array(repeating: 0, count: 256))

    public init() {}

    public func drop(_ reason: DropReason, count: Int = 1) {
        drops.withLock { $0[reason, default: 0] += count }
    }

    public func dropped(_ reason: DropReason) -> Int { drops.withLock { $0[reason] ?? 0 } }

    public var droppedTotal: Int { drops.withLock { $0.values.reduce(0, +) } }

    func received(messages: Int, bytes: Int) {
        messagesReceived.wrappingAdd(messages, ordering: .relaxed)
        bytesReceived.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// Called by the writer once per batch.
    func written(ioGroups: [UInt8], bytes: Int) {
        messagesWritten.wrappingAdd(ioGroups.count, ordering: .relaxed)
        bytesWritten.wrappingAdd(bytes, ordering: .relaxed)
        batchesWritten.wrappingAdd(1, ordering: .relaxed)
        writtenByIOGroup.withLock { counts in for g in ioGroups { counts[Int(g)] += 1 } }
    }

    /// Messages written per io_group (256 entries).
    public var messagesWrittenByIOGroup: [Int] { writtenByIOGroup.withLock { $0 } }
}
