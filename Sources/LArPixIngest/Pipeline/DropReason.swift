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
    /// Received while paused after a stop-run (`run.after_stop: pause`): not written, by request.
    case paused
}

/// One counter per `DropReason`: counting a refused message is one atomic add, no lock (hostile
/// input refuses at full rate, on the receive path).
final class DropCounts: Sendable {
    private final class Cell: Sendable { let value = Atomic<Int>(0) }
    private let cells: [Cell] = DropReason.allCases.map { _ in Cell() }
    private static let indices: [DropReason: Int] = Dictionary(uniqueKeysWithValues: DropReason.allCases.enumerated().map { ($1, $0) })

    func add(_ reason: DropReason, _ n: Int) { cells[Self.index(reason)].value.wrappingAdd(n, ordering: .relaxed) }
    subscript(reason: DropReason) -> Int { cells[Self.index(reason)].value.load(ordering: .relaxed) }
    var total: Int { cells.reduce(0) { $0 + $1.value.load(ordering: .relaxed) } }
    /// The reasons counted so far, with their counts.
    var counted: [DropReason: Int] {
        var out: [DropReason: Int] = [:]
        for r in DropReason.allCases where self[r] > 0 { out[r] = self[r] }
        return out
    }

    @inline(__always) private static func index(_ r: DropReason) -> Int { indices[r]! }
}
