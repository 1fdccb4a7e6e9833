import CHDF5
import PACMAN

/// The hot loop: decodes messages one after another into a reusable row buffer, counting rows
/// by type, messages by io_group and skipped messages by reason. One per conversion; not
/// thread-safe.
public final class BlockDecoder {
    public let buffer: PacketRowBuffer
    public let strict: Bool
    /// Rows by packet_type, counted through a pointer in the hot loop.
    private let typeCounts = UnsafeMutablePointer<Int>.allocate(capacity: 8)
    public var packets: PacketCounts {
        var c = PacketCounts()
        c.add(SIMD8<Int>((0..<8).map { typeCounts[$0] }))
        return c
    }
    public private(set) var messages = 0
    public private(set) var converted = 0
    public private(set) var bytes = 0
    public private(set) var wordCountMismatches = 0
    public private(set) var skipped: [SkipReason: Int] = [:]
    /// Converted messages per io_group (an array: no hashing per message).
    private var groups = [Int](repeating: 0, count: 256)
    private let onSkip: (SkippedMessage) -> Void

    /// `onSkip` hears of every skipped message (the command names the first few); `strict`
    /// makes the first one an error instead.
    public init(strict: Bool, buffer: PacketRowBuffer = PacketRowBuffer(), onSkip: @escaping (SkippedMessage) -> Void = { _ in }) {
        self.strict = strict
        self.buffer = buffer
        self.onSkip = onSkip
        typeCounts.initialize(repeating: 0, count: 8)
    }

    deinit { typeCounts.deallocate() }

    /// Decodes a block of messages (rows `start`... of `file`, HDF5's descriptors) at the end of
    /// the buffer, which is grown once for the block's largest possible row count.
    public func decodeBlock(_ d: UnsafeBufferPointer<hvl_t>, ioGroups g: UnsafeBufferPointer<UInt8>, file: String,
                            start: Int, into target: PacketRowBuffer? = nil) throws(PacketConversionError) {
        let b = target ?? buffer
        var bound = 0
        for v in d { bound &+= 1 &+ v.len / PacmanMessage.wordBytes }
        b.reserve(bound)
        for i in 0..<d.count {
            try decode(UnsafeRawBufferPointer(start: d[i].p, count: d[i].len), ioGroup: g[i], file: file, row: start + i, into: b)
        }
    }

    /// Decodes one message (row `row` of `file`) at the end of the buffer.
    @inline(__always)
    public func decode(_ m: UnsafeRawBufferPointer, ioGroup: UInt8, file: String, row: Int,
                       into target: PacketRowBuffer? = nil) throws(PacketConversionError) {
        let buffer = target ?? self.buffer
        messages += 1
        bytes += m.count
        switch MessageDecoder.check(m) {
        case .convert(let rows, let mismatch):
            buffer.reserve(rows)
            buffer.count += MessageDecoder.write(m, ioGroup: ioGroup, into: buffer.end, counts: typeCounts)
            converted += 1
            groups[Int(ioGroup)] += 1
            if mismatch { wordCountMismatches += 1 }
        case .skip(let reason, let word):
            if strict { throw .badMessage(file: file, row: row, reason: reason, word: word) }
            skipped[reason, default: 0] += 1
            onSkip(SkippedMessage(file: file, row: row, reason: reason, word: word))
        }
    }

    /// The counts so far, into a summary.
    public func fill(_ s: inout ConversionSummary) {
        s.messages = messages
        s.convertedMessages = converted
        s.packets = packets
        s.bytes = bytes
        s.skipped = skipped
        s.wordCountMismatches = wordCountMismatches
        s.ioGroups = [:]
        for (g, n) in groups.enumerated() where n > 0 { s.ioGroups[UInt8(g)] = n }
    }
}
