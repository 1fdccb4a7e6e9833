import CHDF5
import Foundation
import LArPixRaw

/// One run of `PacketConverter.convert`. Blocks of raw messages are decoded on a worker thread
/// while the previous block's rows are written here (HDF5 stays on this thread): block k+1
/// decodes while block k is written. The output is created once the first
/// `referenceBlockMessages` messages are decoded and held, so their row count gives to_file's
/// chunk without reading them twice (only past `heldRowsCap` rows are the rest counted in a
/// second pass).
final class BatchConversion {
    let options: PacketConverter.Options
    let decoder: BlockDecoder
    private let worker = DecodeWorker()
    private let buffers = [PacketRowBuffer(capacity: 1 << 16), PacketRowBuffer(capacity: 1 << 16)]
    private var turn = 0
    private var pending: PacketRowBuffer?
    private(set) var out: PacketFile?
    private var failure: PacketConversionError?
    private let blockDone: (Int) -> Void


    init(options: PacketConverter.Options, decoder: BlockDecoder, blockDone: @escaping (Int) -> Void) {
        self.options = options
        self.decoder = decoder
        self.blockDone = blockDone
    }

    deinit { worker.stop() }

    /// Converts `input` into an output opened already (--append, or inputs after the first).
    func convert(_ input: String, into out: PacketFile) throws(PacketConversionError) {
        self.out = out
        try withReader(input) { (r, n) throws(PacketConversionError) in try convertRange(r, input, 0..<n) }
    }

    /// Converts the first input into a new output created at `output` (after `prepare`, which
    /// removes a file --force replaces).
    func convertFirst(_ input: String, creating output: String, prepare: () throws(PacketConversionError) -> Void) throws(PacketConversionError) {
        try withReader(input) { (r, n) throws(PacketConversionError) in
            // One buffer per block (none is grown, so no row is copied), written in turn.
            var held: [PacketRowBuffer] = []
            var heldRows = 0
            let first = min(n, PacketConverter.referenceBlockMessages)
            var heldMessages = 0
            try blocks(r, input, 0..<first) { (start, d, g) throws(PacketConversionError) in
                if heldRows > options.heldRowsCap { throw Self.stop }
                let b = PacketRowBuffer(capacity: 1)
                held.append(b)
                do throws(PacketConversionError) {
                    try decoder.decodeBlock(d, ioGroups: g, file: input, start: start, into: b)
                } catch {
                    failure = error       // --strict: create the output, keep the rows before it
                    throw Self.stop
                }
                heldRows += b.count
                heldMessages = start + d.count
                blockDone(d.count)
            }
            if failure != nil { heldRows = held.reduce(0) { $0 + $1.count } }
            let rows = heldRows + (failure == nil ? try PacketConverter.countRows(r, heldMessages..<first, options) : 0)
            try prepare()
            let created = try PacketFile.create(output, chunkRows: ChunkGuess.rows(forInitialRows: rows, rowBytes: PacketFormat.packetRowBytes), swmr: false)
            out = created
            for b in held { try created.append(b.base, count: b.count) }
            held = []
            if let failure { throw failure }
            try convertRange(r, input, heldMessages..<n)
        }
    }

    private func withReader(_ input: String, _ body: (RawFileReader, Int) throws(PacketConversionError) -> Void) throws(PacketConversionError) {
        let r: RawFileReader
        let n: Int
        do {
            r = try RawFileReader(path: input)
            let (m, h) = try r.lengths()
            n = min(m, h)
        } catch { throw .raw(error) }
        defer { try? r.close() }
        try body(r, n)
    }

    /// Thrown by a block body to end a walk early without an error.
    static let stop = PacketConversionError.notWritable(path: "", reason: "stop")

    /// forEachBlock with our error type: `body`'s error ends the walk and is rethrown (`stop`
    /// just ends it).
    private func blocks(_ r: RawFileReader, _ input: String, _ range: Range<Int>,
                        _ body: (Int, UnsafeBufferPointer<hvl_t>, UnsafeBufferPointer<UInt8>) throws(PacketConversionError) -> Void) throws(PacketConversionError) {
        var thrown: PacketConversionError?
        do throws(RawFileError) {
            try r.forEachBlock(in: range, maxBlockBytes: options.maxBlockBytes) { (start, d, g) throws(RawFileError) in
                do throws(PacketConversionError) { try body(start, d, g) } catch {
                    thrown = error
                    throw RawFileError.invalidArgument(path: input, reason: "stopped")
                }
            }
        } catch {
            if let thrown, case .notWritable("", "stop") = thrown { return }
            throw thrown ?? .raw(error)
        }
    }

    /// The pipelined walk: decode block k+1 on the worker while block k is written here.
    private func convertRange(_ r: RawFileReader, _ input: String, _ range: Range<Int>) throws(PacketConversionError) {
        guard let out else { return }
        try blocks(r, input, range) { (start, d, g) throws(PacketConversionError) in
            let b = buffers[turn & 1]
            turn += 1
            b.reset()
            let decoder = self.decoder
            worker.start { () throws(PacketConversionError) in try decoder.decodeBlock(d, ioGroups: g, file: input, start: start, into: b) }
            var writeError: PacketConversionError?
            if let p = pending {
                do throws(PacketConversionError) { try out.append(p.base, count: p.count) } catch { writeError = error }
                pending = nil
            }
            let decodeError = worker.wait()
            if let writeError { throw writeError }
            if let decodeError {
                // --strict: the rows before the refused message are kept.
                try out.append(b.base, count: b.count)
                throw decodeError
            }
            pending = b
            blockDone(d.count)
        }
        try writePending()
    }

    private func writePending() throws(PacketConversionError) {
        if let p = pending, let out { try out.append(p.base, count: p.count) }
        pending = nil
    }
}
