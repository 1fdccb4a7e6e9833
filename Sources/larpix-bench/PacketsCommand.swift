import ArgumentParser
import CBenchCeilings
import Foundation
import HDF5
import LArPixPackets
import LArPixRaw
import PACMAN

/// Raw files for the converter benchmark: `count` seeded data messages of `words` words each
/// (the emulator's mix: data, 1 % trigger, 1 % sync), io_groups 1 and 2 alternating.
struct MakeRawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "make-raw",
        abstract: "Write a raw file of seeded PACMAN data messages (for bench/convert.sh).")

    @Argument(help: "The raw file to create.") var file: String
    @Option(help: "Words per message, A-B (uniform).") var words: String = "1-6"
    @Option(help: "Messages.") var messages: Int = 100_000
    @Option(help: "Stop at about this many message bytes instead (0: --messages).") var bytes: Int = 0
    @Option(help: "Seed.") var seed: UInt64 = 1

    func run() throws {
        let parts = words.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2 || parts.count == 1 else { throw ValidationError("--words A-B") }
        let range = parts[0]...(parts.last ?? parts[0])
        var b = PacmanMessageBuilder(seed: seed)
        let w = try RawFileWriter.create(file, ioVersion: "0.0")
        var written = 0, total = 0
        while bytes > 0 ? total < bytes : written < messages {
            var batch: [[UInt8]] = []
            var batchBytes = 0
            while batch.count < 4096 && batchBytes < 16 << 20 && (bytes > 0 ? total + batchBytes < bytes : written + batch.count < messages) {
                let m = b.nextDataMessage(words: b.nextWordCount(in: range), time: 1_700_000_000 + UInt32(written + batch.count) / 1000)
                batchBytes += m.count
                batch.append(m)
            }
            try w.append(messages: batch, ioGroups: batch.indices.map { UInt8(1 + (written + $0) % 2) })
            written += batch.count
            total += batchBytes
        }
        try w.close(fsync: false)
        printJSON(["file": file, "messages": written, "message_bytes": total])
    }
}

/// The converter against its ceiling: PacketConverter on raw files, and the C writer
/// (CBenchCeilings/packet_write.c) writing as many rows with the same chunk and writes of the
/// same mean size, alternating, medians of --repetitions.
struct PacketsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "packets",
        abstract: "PacketConverter against the C packet-file ceiling: packets/s, MB/s, ratio (medians).")

    @Argument(help: "Raw files (converted together into one output).") var inputs: [String]
    @Option(help: "Runs of each (alternating).") var repetitions: Int = 5
    @Option(help: "Run only this (c or swift).") var only: String?
    @Flag(help: "The C writer writes whole chunks with H5Dwrite_chunk.") var direct = false
    @Option(help: "Directory for the packet files (removed after each run).")
    var directory: String = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

    @Flag(help: "Leave glibc's malloc as it is (larpix-raw convert keeps large freed blocks in the heap).") var defaultHeap = false

    func run() throws {
        if !defaultHeap { ProcessHeap.keepLargeFreedBlocks() }
        var ours: [Double] = [], ceiling: [Double] = [], ratios: [Double] = []
        var summary = ConversionSummary()
        var chunk = 1
        let out = (directory as NSString).appendingPathComponent("larpix-bench-\(getpid())-packets.h5")
        defer { unlink(out) }
        for rep in -1..<repetitions {
            var s = 0.0, c = 0.0
            for which in (rep % 2 == 0 ? ["swift", "c"] : ["c", "swift"]) where only == nil || only == which || (summary.rowsAfter == 0) {
                unlink(out)
                let t0 = BenchStatistics.now()
                if which == "swift" {
                    summary = try PacketConverter.convert(inputs, to: out)
                    s = BenchStatistics.now() - t0
                    chunk = try H5File.open(out, mode: .readOnly, latestFormat: false).root.openDataset("packets").chunkLength() ?? 1
                } else {
                    let perWrite = max(1, summary.rowsAfter / max(1, summary.writes))
                    try callC("C packet writer") { err, cap in
                        lrp_bench_c_packets(out, summary.rowsAfter, perWrite, chunk, direct ? 1 : 0, err, cap)
                    }
                    c = BenchStatistics.now() - t0
                }
            }
            if rep >= 0 { ours.append(s); ceiling.append(c); if s > 0 && c > 0 { ratios.append(c / s) } }
        }
        let (read, decode) = try phases()
        let rows = Double(summary.rowsAfter), ms = BenchStatistics.median(ours), mc = BenchStatistics.median(ceiling)
        printJSON(["messages": summary.messages, "message_bytes": summary.bytes, "packets": summary.rowsAfter,
                   "writes": summary.writes, "chunk": chunk, "repetitions": repetitions,
                   "swift_seconds": ms, "swift_packets_per_s": rows / ms, "swift_raw_mb_per_s": Double(summary.bytes) / ms / 1e6,
                   "swift_out_mb_per_s": rows * 36 / ms / 1e6,
                   "c_seconds": mc, "c_packets_per_s": rows / mc, "c_out_mb_per_s": rows * 36 / mc / 1e6,
                   "ratio": BenchStatistics.median(ratios), "ratios": ratios,
                   "read_seconds": read, "read_decode_seconds": decode])
    }

    /// Where the time goes: reading the raw blocks alone, and reading + decoding (no HDF5
    /// write), medians of --repetitions.
    func phases() throws -> (Double, Double) {
        var reads: [Double] = [], decodes: [Double] = []
        for _ in 0..<repetitions {
            for decode in [false, true] {
                let t0 = BenchStatistics.now()
                let decoder = BlockDecoder(strict: false)
                for input in inputs {
                    let r = try RawFileReader(path: input)
                    let n = try r.count()
                    try r.forEachBlock(in: 0..<n, maxBlockBytes: PacketConverter.Options().maxBlockBytes) { start, d, g in
                        guard decode else { return }
                        decoder.buffer.reset()
                        try? decoder.decodeBlock(d, ioGroups: g, file: input, start: start)
                    }
                    try r.close()
                }
                (decode ? { decodes.append($0) } : { reads.append($0) })(BenchStatistics.now() - t0)
            }
        }
        return (BenchStatistics.median(reads), BenchStatistics.median(decodes))
    }
}
