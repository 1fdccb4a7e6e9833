import PACMAN
import ArgumentParser
import CBenchCeilings
import Foundation
import LArPixRaw

/// Library append, Swift against C: the same messages, batches and flush policy, written by
/// `RawFileWriter` and by the C appender (the same HDF5 calls), alternating in one process.
struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "RawFileWriter against the C appender: messages/s, MB/s, Swift/C ratio (medians).")

    @Option(help: "Words per message (a message is 8 + 16 x words bytes).") var words: Int = 64
    @Option(help: "Messages per run.") var messages: Int = 200_000
    @Option(help: "Messages per batch (0: as the daemon's batcher: 4096, or 16 MiB).") var batch: Int = 0
    @Option(help: "Seconds between flushes (0: after every batch).") var flushInterval: Double = 0
    @Option(help: "Runs of each writer (alternating).") var repetitions: Int = 5
    @Option(help: "Run only this writer (c or swift), e.g. under a profiler.") var only: String?
    @Option(help: "Unrecorded runs of each writer first (page cache, allocator, HDF5 warm-up).") var warmup: Int = 1
    @Option(help: "Directory for the files (removed after each run); tmpfs keeps disk writeback out of the comparison.")
    var directory: String = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    @Flag(help: "Leave the files for the caller to remove, so that freeing their pages is not in this process's CPU time.")
    var keep = false

    func run() throws {
        let bytes = 8 + 16 * words
        let perBatch = batch > 0 ? batch : Self.daemonBatch(messageBytes: bytes)
        let pool = MessagePool(words: words, count: perBatch)
        var cRates: [Double] = [], swiftRates: [Double] = [], ratios: [Double] = []
        for rep in -warmup..<repetitions {
            // Alternate the order, so neither writer always runs on a warmer page cache.
            var c = 0.0, s = 0.0
            for which in ((rep + warmup) % 2 == 0 ? ["c", "swift"] : ["swift", "c"]) where only == nil || only == which {
                let path = (directory as NSString).appendingPathComponent("larpix-bench-\(getpid())-\(which).h5")
                try? FileManager.default.removeItem(atPath: path)
                defer { if !keep { try? FileManager.default.removeItem(atPath: path) } }
                let t0 = BenchStatistics.now()
                if which == "c" {
                    try cAppend(path: path, pool: pool, batch: perBatch)
                } else {
                    try swiftAppend(path: path, pool: pool, batch: perBatch)
                }
                let rate = Double(messages) / (BenchStatistics.now() - t0)
                if which == "c" { c = rate } else { s = rate }
            }
            if rep >= 0 { cRates.append(c); swiftRates.append(s); ratios.append(s / c) }
        }
        let mc = BenchStatistics.median(cRates), ms = BenchStatistics.median(swiftRates)
        printJSON(["message_bytes": bytes, "messages": messages, "batch": perBatch, "flush_interval": flushInterval,
                   "repetitions": repetitions,
                   "c_msg_per_s": mc, "c_mb_per_s": mc * Double(bytes) / 1e6,
                   "swift_msg_per_s": ms, "swift_mb_per_s": ms * Double(bytes) / 1e6,
                   "ratio": BenchStatistics.median(ratios), "ratios": ratios])
    }

    /// The batch the daemon's batcher seals under its default bounds (4096 messages or 16 MiB).
    static func daemonBatch(messageBytes: Int) -> Int {
        min(4096, (16 << 20 + messageBytes - 1) / messageBytes)
    }

    @inline(never) func swiftAppend(path: String, pool: MessagePool, batch: Int) throws {
        let w = try RawFileWriter.create(path, ioVersion: "0.0")
        var written = 0
        var lastFlush = BenchStatistics.now()
        let buffers = pool.buffers
        while written < messages {
            let n = min(batch, messages - written), base = written
            try w.append(count: n) { i in (buffers[(base + i) % buffers.count], 1) }
            written += n
            let t = BenchStatistics.now()
            if flushInterval <= 0 || t - lastFlush >= flushInterval {
                try w.flush()
                lastFlush = t
            }
        }
        try w.close(fsync: false)
    }

    private func cAppend(path: String, pool: MessagePool, batch: Int) throws {
        let starts: [UnsafeRawPointer?] = pool.buffers.map { UnsafeRawPointer($0.baseAddress) }
        let lengths = pool.buffers.map { $0.count }
        try callC("C appender") { err, cap in
            starts.withUnsafeBufferPointer { s in
                lrp_bench_c_append(path, s.baseAddress, lengths, pool.buffers.count, messages, batch, flushInterval,
                                   Int32(RawFileLayout.chunk), Int32(RawFileLayout.gzipLevel), 1, err, cap)
            }
        }
    }
}

/// `count` distinct, well-formed PACMAN data messages of one size in one allocation.
final class MessagePool {
    let storage: UnsafeMutableRawBufferPointer
    let buffers: [UnsafeRawBufferPointer]

    init(words: Int, count: Int) {
        let size = 8 + 16 * words
        storage = .allocate(byteCount: size * count, alignment: 16)
        var b: [UnsafeRawBufferPointer] = []
        for k in 0..<count {
            let m = PacmanMessageBytes.data(words: words, seed: k)
            let dst = UnsafeMutableRawBufferPointer(rebasing: storage[(k * size)..<((k + 1) * size)])
            m.withUnsafeBytes { dst.copyMemory(from: $0) }
            b.append(UnsafeRawBufferPointer(dst))
        }
        buffers = b
    }

    deinit { storage.deallocate() }
}

enum PacmanMessageBytes {
    /// Header 'D', msg_time, pad, msg_words; then `words` 'D' data words with varying packets.
    static func data(words: Int, seed: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: 8 + 16 * words)
        m[0] = 0x44
        withUnsafeBytes(of: UInt32(1_700_000_000 + seed).littleEndian) { for i in 0..<4 { m[1 + i] = $0[i] } }
        withUnsafeBytes(of: UInt16(truncatingIfNeeded: words).littleEndian) { m[6] = $0[0]; m[7] = $0[1] }
        var x = UInt64(seed &* 2654435761 &+ 1)
        for w in 0..<words {
            let o = 8 + 16 * w
            m[o] = 0x44
            m[o + 1] = UInt8(w % 40)
            for j in 0..<8 {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                m[o + 8 + j] = UInt8(truncatingIfNeeded: x >> 56)
            }
        }
        return m
    }
}
