import Foundation
import LArPixRaw

/// Converts raw files into one larpix-control packet file (format 2.4), in order, streaming in
/// blocks: rows identical to `convert_rawhdf5_to_hdf5.py` on each input in turn (docs/PACKETS.md).
/// Memory stays bounded by the block size whatever the input. All HDF5 calls on the calling thread.
public enum PacketConverter {
    public enum OutputMode: Sendable { case create, replace, append }

    public struct Options: Sendable {
        /// Stop at the first message larpix-control would fail on (else skip and count it).
        public var strict = false
        /// Raw bytes per block read (RawFileReader.forEachBlock's budget).
        public var maxBlockBytes = 32 << 20
        /// fsync the output before returning.
        public var fsync = false
        /// Rows of the first input held before the output exists (36 bytes each: 54 MB); past
        /// them the rest of to_file's first block is counted in a second pass for the chunk.
        var heldRowsCap = 1_500_000
        public init(strict: Bool = false, maxBlockBytes: Int = 32 << 20, fsync: Bool = false) {
            self.strict = strict
            self.maxBlockBytes = maxBlockBytes
            self.fsync = fsync
        }
    }

    /// The messages of the first to_file call of convert_rawhdf5_to_hdf5.py (its --block_size):
    /// their rows set h5py's chunk guess for `packets`.
    public static let referenceBlockMessages = 10240

    /// After each block: messages done, messages in all inputs, rows written so far.
    public typealias Progress = (_ done: Int, _ total: Int, _ packets: Int) -> Void

    public static func convert(_ inputs: [String], to output: String, mode: OutputMode = .create, options: Options = Options(),
                               onSkip: @escaping (SkippedMessage) -> Void = { _ in },
                               progress: @escaping Progress = { _, _, _ in }) throws(PacketConversionError) -> ConversionSummary {
        let started = ContinuousClock.now
        let total = try checkInputs(inputs, output: output)
        var done = 0
        var run: BatchConversion?
        let conversion = BatchConversion(options: options, decoder: BlockDecoder(strict: options.strict, onSkip: onSkip)) { n in
            done += n
            progress(done, total, run?.out?.rows ?? 0)
        }
        run = conversion
        defer { run = nil }          // the progress closure holds `run`: break the cycle
        var summary = ConversionSummary()
        summary.inputs = inputs
        summary.output = output
        do throws(PacketConversionError) {
            var rest = inputs[...]
            if mode == .append {
                let out = try PacketFile.openForAppend(output, swmr: false)
                summary.rowsBefore = out.rows
                if let first = rest.popFirst() { try conversion.convert(first, into: out) } else { try out.close() }
            } else if let first = rest.popFirst() {
                try conversion.convertFirst(first, creating: output) { () throws(PacketConversionError) in try removeForReplace(output, mode) }
            } else {
                try removeForReplace(output, mode)
                _ = try PacketFile.create(output, chunkRows: ChunkGuess.rows(forInitialRows: 0, rowBytes: PacketFormat.packetRowBytes), swmr: false).close()
            }
            for input in rest {
                guard let out = conversion.out else { break }
                try conversion.convert(input, into: out)
            }
            summary.rowsAfter = conversion.out?.rows ?? 0
            summary.writes = conversion.out?.writes ?? 0
            try conversion.out?.close(fsync: options.fsync)
        } catch {
            try? conversion.out?.close()
            throw error
        }
        conversion.decoder.fill(&summary)
        summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return summary
    }

    static func removeForReplace(_ output: String, _ mode: OutputMode) throws(PacketConversionError) {
        if mode == .replace, FileManager.default.fileExists(atPath: output), unlink(output) != 0 {
            throw .notWritable(path: output, reason: "cannot remove the old file: " + String(cString: strerror(errno)))
        }
    }

    /// Opens every input once (so a bad one fails before the output is touched) and returns
    /// the number of complete rows in all of them.
    static func checkInputs(_ inputs: [String], output: String) throws(PacketConversionError) -> Int {
        var total = 0
        for input in inputs {
            if sameFile(input, output) { throw .sameFile(path: output) }
            do {
                let r = try RawFileReader(path: input)
                defer { try? r.close() }
                let (m, h) = try r.lengths()
                total += min(m, h)
            } catch { throw .raw(error) }
        }
        return total
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// The rows of messages `range` of an open raw file, counted only (nothing decoded).
    static func countRows(_ r: RawFileReader, _ range: Range<Int>, _ options: Options) throws(PacketConversionError) -> Int {
        guard !range.isEmpty else { return 0 }
        var rows = 0
        do {
            try r.forEachBlock(in: range, maxBlockBytes: options.maxBlockBytes) { _, d, _ in
                for v in d {
                    if case .convert(let n, _) = MessageDecoder.check(UnsafeRawBufferPointer(start: v.p, count: v.len)) { rows += n }
                }
            }
        } catch { throw .raw(error) }
        return rows
    }
}
