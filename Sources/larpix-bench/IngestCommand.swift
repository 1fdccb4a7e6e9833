import ArgumentParser
import CBenchCeilings
import Foundation
import LArPixIngest
import Logging
import PACMAN

/// The cost of the data-quality counters: the daemon's data path in this process (receiver,
/// batcher, writer to tmpfs) fed by the C publisher as fast as it takes messages (blocking, so
/// nothing is lost), with `quality.enabled` true and false alternating; the rate is messages over
/// the time from the first send to the last message written. Also the counter alone (ns/msg).
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "In-process ingest rate with quality counting on and off (alternating runs).")

    @Option(help: "Words per message (8 + 16 x words bytes).") var words: Int = 1
    @Option(help: "Messages per run.") var messages: Int = 2_000_000
    @Option(help: "Runs of each setting (alternating).") var repetitions: Int = 3
    @Option(help: "Run only this setting (on or off), e.g. under perf stat or callgrind.") var only: String?
    @Option(help: "Directory for the files (removed after each run).")
    var directory: String = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

    func run() throws {
        var on: [Double] = [], off: [Double] = [], cpuOn: [Double] = [], cpuOff: [Double] = []
        for rep in 0..<repetitions {
            for quality in (rep % 2 == 0 ? [false, true] : [true, false]) where only == nil || only == (quality ? "on" : "off") {
                let c0 = Self.processCPU()
                let rate = try ingest(quality: quality)
                let us = (Self.processCPU() - c0) * 1e6 / Double(messages)
                if quality { on.append(rate); cpuOn.append(us) } else { off.append(rate); cpuOff.append(us) }
            }
        }
        let mOn = BenchStatistics.median(on), mOff = BenchStatistics.median(off)
        let uOn = BenchStatistics.median(cpuOn), uOff = BenchStatistics.median(cpuOff)
        printJSON(["message_bytes": 8 + 16 * words, "messages": messages, "repetitions": repetitions,
                   "quality_off_msg_per_s": mOff, "quality_on_msg_per_s": mOn, "off_runs": off, "on_runs": on,
                   "cost_percent": 100 * (1 - mOn / mOff),
                   "cpu_us_per_msg_off": uOff, "cpu_us_per_msg_on": uOn, "cpu_off_runs": cpuOff, "cpu_on_runs": cpuOn,
                   "cpu_cost_percent": 100 * (uOn / uOff - 1), "counter_ns_per_msg": only == nil ? counterNanoseconds() : .nan])
    }

    /// CPU seconds of the whole process so far (all threads, user and system).
    static func processCPU() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    /// One run: messages per second from the first send to the last message written.
    private func ingest(quality: Bool) throws -> Double {
        let port = 20_000 + Int(getpid() % 10_000) + Int.random(in: 0..<20_000)
        let dir = (directory as NSString).appendingPathComponent("larpix-bench-ingest-\(getpid())")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = DaemonConfig.builtInDefault
        c.sources[0].endpoint = "tcp://127.0.0.1:\(port)"
        c.output.directory = dir
        c.metricsListen = ""
        c.quality.enabled = quality
        var logger = Logger(label: "larpix-bench")
        logger.logLevel = .error
        let pipeline = IngestPipeline(config: c, logger: logger)
        try pipeline.start()
        defer { pipeline.stop() }
        let startDelay = 0.5
        let t0 = BenchStatistics.now() + startDelay
        var sent = 0, dropped = 0, started = 0.0, seconds = 0.0
        try withCStrings(["tcp://127.0.0.1:\(port)"]) { eps in
            try callC("publish") { err, cap in
                lrp_bench_zmq_publish(eps, 1, 8 + 16 * words, messages, 0, startDelay, 1000, 1, 0, &sent, &dropped, &started, &seconds, err, cap)
            }
        }
        let deadline = BenchStatistics.now() + 120
        while pipeline.stats.messagesWritten.load(ordering: .relaxed) < messages {
            guard BenchStatistics.now() < deadline else { throw BenchFailure(description: "ingest: not all messages written in time") }
            usleep(200)
        }
        return Double(messages) / (BenchStatistics.now() - t0)
    }

    /// The quality counter alone over messages like the publisher's (data words), ns per message.
    private func counterNanoseconds() -> Double {
        let pool = (0..<1024).map { i in
            PacmanMessageBuilder.dataMessage(time: 1_700_000_000, words: (0..<words).map {
                .data(ioChannel: 1, receiptTimestamp: UInt32(i * words + $0), packet: 0) })
        }
        var counter = QualityCounter(timeJumpSeconds: 5)
        var sink = 0
        let rounds = max(1, 4_000_000 / (1024 * max(words, 1)))
        // Thread CPU time: on a shared machine, what the counting costs, not how long it waited.
        func cpu() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let t0 = cpu()
        for m in pool {
            m.withUnsafeBytes { p in
                for _ in 0..<rounds { sink &+= Int(counter.count(p, ioGroup: 1, at: 0).dataWords) }
            }
        }
        let ns = (cpu() - t0) * 1e9 / Double(rounds * pool.count)
        return sink == 0 ? .nan : ns
    }
}
