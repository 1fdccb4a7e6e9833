import ArgumentParser
import CBenchCeilings
import Foundation
import LArPixRaw

/// Publish-to-visible latency: follows a live raw file with `RawFileFollower` (as a monitor
/// would) and, for each message stamped by `publish --stamp`, takes the time from its send to
/// the start of the poll that first returned it: when it was visible, not when the follower had
/// read it (a poll after a 1 s flush reads a second of data, twice to check it is stable).
struct LatencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Time from publish to reader-visible for stamped messages in a live raw file.")

    @Argument(help: "The raw file the daemon writes.") var file: String
    @Option(help: "Seconds between polls of the file.") var pollInterval: Double = 0.005
    @Option(help: "Stop after this many seconds (also stops once the writer closed the file).") var seconds: Double = 60

    func run() throws {
        let deadline = BenchStatistics.now() + seconds
        while !FileManager.default.fileExists(atPath: file) {
            guard BenchStatistics.now() < deadline else { throw BenchFailure(description: "\(file) never appeared") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let follower = RawFileFollower(path: file)
        var latencies: [Double] = []
        while BenchStatistics.now() < deadline {
            var got = 0
            do {
                got = try collect(follower, into: &latencies)
            } catch {
                // The file may exist before the writer made it a raw file: try again.
                follower.close()
            }
            if got == 0 {
                if follower.writerHasClosed && (try? collect(follower, into: &latencies)) == 0 { break }
                Thread.sleep(forTimeInterval: pollInterval)
            }
        }
        follower.close()
        let ms = latencies.map { $0 * 1000 }
        printJSON(["messages": ms.count, "p50_ms": BenchStatistics.percentile(ms, 50),
                   "p90_ms": BenchStatistics.percentile(ms, 90), "p99_ms": BenchStatistics.percentile(ms, 99),
                   "max_ms": ms.max() ?? .nan, "retries": follower.retries])
    }

    private func collect(_ follower: RawFileFollower, into latencies: inout [Double]) throws -> Int {
        var stamps: [Int64] = []
        let now = lrp_bench_realtime_ns()
        let n = try follower.poll { _, bytes, _ in
            if bytes.count >= 24 { stamps.append(bytes.loadUnaligned(fromByteOffset: 16, as: Int64.self)) }
        }
        for s in stamps { latencies.append(Double(now - s) / 1e9) }
        return n
    }
}
