import Foundation
import LArPixRaw

/// Converts a raw file while a writer appends to it (`larpix-raw convert --follow`): each
/// `poll()` appends the packets of the raw rows that became complete (through
/// `RawFileFollower`: nothing skipped or repeated), and flushes at most every `flushInterval`
/// seconds. The packet file is written in SWMR mode: its rows are fixed-size, so HDF5's SWMR
/// ordering lets h5py (`swmr=True`, `refresh()`) poll it live. All calls on one thread.
public final class LivePacketConverter {
    public let raw: String
    public let output: String
    public let decoder: BlockDecoder
    private let follower: RawFileFollower
    private var out: PacketFile?
    private let mode: PacketConverter.OutputMode
    private let flushInterval: Double
    private var lastFlush: ContinuousClock.Instant?
    private var unflushed = false
    private var meanMessageBytes = 1024
    private var rowsBefore = 0
    private let started = ContinuousClock.now
    /// Bytes of messages a poll asks the follower for (it copies them; this bounds memory).
    static let pollBytes = 8 << 20

    public init(raw: String, output: String, mode: PacketConverter.OutputMode = .create, strict: Bool = false,
                flushInterval: Double = 0.1, onSkip: @escaping (SkippedMessage) -> Void = { _ in }) throws(PacketConversionError) {
        if PacketConverter.sameFile(raw, output) { throw .sameFile(path: output) }
        self.raw = raw
        self.output = output
        self.mode = mode
        self.flushInterval = flushInterval
        decoder = BlockDecoder(strict: strict, onSkip: onSkip)
        follower = RawFileFollower(path: raw)
        if mode == .create, FileManager.default.fileExists(atPath: output) { throw .exists(path: output) }
    }

    /// Whether the raw file's writer has closed it (look before the last poll).
    public var writerHasClosed: Bool { follower.writerHasClosed }
    /// Transient read failures the follower retried past.
    public var retries: Int { follower.retries }
    public var rowsWritten: Int { (out?.rows ?? rowsBefore) - rowsBefore }

    /// Converts what became visible; returns the number of raw messages it took. The first
    /// poll takes at most to_file's first block and creates the output with its chunk guess.
    @discardableResult
    public func poll() throws(PacketConversionError) -> Int {
        let first = out == nil
        let maxRows = first ? PacketConverter.referenceBlockMessages : max(16, min(65536, Self.pollBytes / max(1, meanMessageBytes)))
        let buffer = decoder.buffer
        buffer.reset()
        let bytesBefore = decoder.bytes
        var failure: PacketConversionError?
        let n: Int
        do {
            n = try follower.poll(maxRows: maxRows) { i, bytes, g in
                do throws(PacketConversionError) {
                    try decoder.decode(bytes, ioGroup: g, file: raw, row: i)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch {
            if let failure {
                if case .badMessage = failure { try? write(first: first) }
                throw failure
            }
            throw (error as? RawFileError).map { PacketConversionError.raw($0) } ?? .notWritable(path: output, reason: "\(error)")
        }
        if n > 0 { meanMessageBytes = max(1, (decoder.bytes - bytesBefore) / n) }
        try write(first: first)
        return n
    }

    private func write(first: Bool) throws(PacketConversionError) {
        let buffer = decoder.buffer
        if out == nil {
            switch mode {
            case .append: out = try PacketFile.openForAppend(output, swmr: true)
            case .create, .replace:
                if mode == .replace, FileManager.default.fileExists(atPath: output) { unlink(output) }
                out = try PacketFile.create(output, chunkRows: ChunkGuess.rows(forInitialRows: buffer.count, rowBytes: PacketFormat.packetRowBytes), swmr: true)
            }
            rowsBefore = out?.rows ?? 0
            unflushed = true
        }
        guard let out else { return }
        if buffer.count > 0 {
            try out.append(buffer.base, count: buffer.count)
            unflushed = true
        }
        try flushIfDue()
    }

    /// Flushes when rows were appended since the last flush and `flushInterval` has passed.
    public func flushIfDue() throws(PacketConversionError) {
        if unflushed && lastFlush.map({ ContinuousClock.now - $0 >= .seconds(flushInterval) }) ?? true { try flush() }
    }

    /// Flushes now (rows appended become visible to SWMR readers).
    public func flush() throws(PacketConversionError) {
        guard let out else { return }
        try out.flush()
        lastFlush = .now
        unflushed = false
    }

    /// Polls until nothing new comes (with a fresh reader each time), then closes the output.
    /// Call once the writer has closed the raw file (seen before the last poll).
    public func finish(fsync: Bool = false) throws(PacketConversionError) -> ConversionSummary {
        follower.close()
        var quiet = 0
        while quiet < 2 {
            let retriesBefore = follower.retries
            let n = try poll()
            quiet = (n == 0 && follower.retries == retriesBefore) ? quiet + 1 : 0
            follower.close()
        }
        if out == nil { try write(first: true) }
        var s = ConversionSummary()
        s.inputs = [raw]
        s.output = output
        s.rowsBefore = rowsBefore
        s.rowsAfter = out?.rows ?? 0
        try out?.close(fsync: fsync)
        decoder.fill(&s)
        s.seconds = (ContinuousClock.now - started) / .seconds(1)
        return s
    }

    /// Closes the output as it is (an interrupted follow).
    public func abandon() { try? out?.close() }
}
