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
                               progress: Progress = { _, _, _ in }) throws(PacketConversionError) -> ConversionSummary {
        let started = Date()
        let total = try checkInputs(inputs, output: output)
        let decoder = BlockDecoder(strict: options.strict, onSkip: onSkip)
        let out = try openOutput(output, mode: mode, firstInput: inputs.first, options: options)
        var summary = ConversionSummary()
        summary.inputs = inputs
        summary.output = output
        summary.rowsBefore = out.rows
        var done = 0
        do throws(PacketConversionError) {
            for input in inputs {
                try convertOne(input, into: out, decoder: decoder, options: options) { n in
                    done += n
                    progress(done, total, out.rows - summary.rowsBefore)
                }
            }
            summary.rowsAfter = out.rows
            summary.writes = out.writes
            try out.close(fsync: options.fsync)
        } catch {
            try? out.close()
            throw error
        }
        decoder.fill(&summary)
        summary.seconds = Date().timeIntervalSince(started)
        return summary
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

    static func openOutput(_ output: String, mode: OutputMode, firstInput: String?,
                           options: Options) throws(PacketConversionError) -> PacketFile {
        switch mode {
        case .append:
            return try PacketFile.openForAppend(output, swmr: false)
        case .replace, .create:
            let chunk = try firstInput.map { (i: String) throws(PacketConversionError) -> Int in try referenceChunk(i, options) }
                ?? ChunkGuess.rows(forInitialRows: 0, rowBytes: PacketFormat.packetRowBytes)
            if mode == .replace, FileManager.default.fileExists(atPath: output), unlink(output) != 0 {
                throw .notWritable(path: output, reason: "cannot remove the old file: " + String(cString: strerror(errno)))
            }
            return try PacketFile.create(output, chunkRows: chunk, swmr: false)
        }
    }

    /// The chunk to_file would give `packets`: h5py's guess for the rows of the first
    /// `referenceBlockMessages` messages of the first input (a first, counting-only pass).
    static func referenceChunk(_ input: String, _ options: Options) throws(PacketConversionError) -> Int {
        var rows = 0
        do {
            let r = try RawFileReader(path: input)
            defer { try? r.close() }
            let (m, h) = try r.lengths()
            try r.forEachBlock(in: 0..<min(min(m, h), referenceBlockMessages), maxBlockBytes: options.maxBlockBytes) { _, d, _ in
                for v in d {
                    if case .convert(let n, _) = MessageDecoder.check(UnsafeRawBufferPointer(start: v.p, count: v.len)) { rows += n }
                }
            }
        } catch { throw .raw(error) }
        return ChunkGuess.rows(forInitialRows: rows, rowBytes: PacketFormat.packetRowBytes)
    }

    /// Converts the complete rows of one input (a file still being written: those present when
    /// it is opened), one H5Dwrite per block.
    static func convertOne(_ input: String, into out: PacketFile, decoder: BlockDecoder, options: Options,
                           blockDone: (Int) -> Void) throws(PacketConversionError) {
        var failure: PacketConversionError?
        do {
            let r = try RawFileReader(path: input)
            defer { try? r.close() }
            let (m, h) = try r.lengths()
            let buffer = decoder.buffer
            try r.forEachBlock(in: 0..<min(m, h), maxBlockBytes: options.maxBlockBytes) { (start, d, g) throws(RawFileError) in
                buffer.reset()
                do throws(PacketConversionError) {
                    try decoder.decodeBlock(d, ioGroups: g, file: input, start: start)
                    try out.append(buffer.base, count: buffer.count)
                } catch {
                    // --strict: the rows before the refused message are kept, as larpix-control
                    // keeps the blocks it wrote before it fails.
                    if case .badMessage = error { try? out.append(buffer.base, count: buffer.count) }
                    failure = error
                    throw RawFileError.invalidArgument(path: input, reason: "stopped")
                }
                blockDone(d.count)
            }
        } catch {
            throw failure ?? .raw(error)
        }
    }
}
