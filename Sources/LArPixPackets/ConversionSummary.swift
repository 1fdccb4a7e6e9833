/// What a conversion did: messages read and converted, rows by packet type, messages per
/// io_group, skipped messages by reason, and where it wrote.
public struct ConversionSummary: Sendable, Equatable {
    public var inputs: [String] = []
    public var output = ""
    /// Raw messages read (converted + skipped).
    public var messages = 0
    public var convertedMessages = 0
    public var packets = PacketCounts()
    /// Converted messages per io_group.
    public var ioGroups: [UInt8: Int] = [:]
    public var skipped: [SkipReason: Int] = [:]
    /// Converted messages whose msg_words disagrees with their length (larpix-control converts
    /// the words that are there; so do we).
    public var wordCountMismatches = 0
    /// Rows the output had before (--append), and after.
    public var rowsBefore = 0
    public var rowsAfter = 0
    /// Raw message bytes read.
    public var bytes = 0
    /// H5Dwrite calls on `packets` (one per block that had rows).
    public var writes = 0
    public var seconds = 0.0

    public init() {}

    public var skippedTotal: Int { skipped.values.reduce(0, +) }
}

/// One skipped message, for the first few the command names on stderr.
public struct SkippedMessage: Sendable, Equatable {
    public var file: String
    public var row: Int
    public var reason: SkipReason
    public var word: Int?

    public var description: String {
        "\(file): message \(row): skipped: \(reason.rawValue)\(word.map { " (word \($0))" } ?? ""): \(reason.explanation)"
    }
}
