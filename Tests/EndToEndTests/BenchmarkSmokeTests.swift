import Foundation
import TestSupport
import XCTest

/// The benchmark suite still runs: `bench/run.sh --smoke` (every part once, tiny) produces its
/// numbers and its report. No timing is asserted; the numbers are only checked to be there.
final class BenchmarkSmokeTests: XCTestCase {
    func testSmokeRunProducesEveryPartsNumbers() throws {
        let bench = TestSupport.product("larpix-bench")
        guard FileManager.default.isExecutableFile(atPath: bench) else {
            throw CLIError(message: "larpix-bench is not built at \(bench): run `swift build --build-tests` or set LARPIX_BIN_DIR")
        }
        let dir = TestSupport.temporaryDirectory("bench-smoke")
        defer { try? FileManager.default.removeItem(at: dir) }
        let md = dir.appendingPathComponent("BENCHMARKS.md").path, json = dir.appendingPathComponent("results.json").path
        let script = TestSupport.packageRoot.appendingPathComponent("bench/run.sh").path
        let r = try TestSupport.run(script, ["--smoke", "--bin", (bench as NSString).deletingLastPathComponent,
                                             "--out", md, "--json", json])
        XCTAssertEqual(r.status, 0, "bench/run.sh --smoke failed: \(r.stderr.suffix(2000))")

        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let append = try XCTUnwrap(results["append"] as? [[String: Any]])
        XCTAssertEqual(append.count, 4, "four message sizes")
        for row in append {
            for key in ["c_msg_per_s", "swift_msg_per_s", "ratio"] {
                XCTAssertGreaterThan((row[key] as? Double) ?? 0, 0, "append \(key) in \(row)")
            }
        }
        if ProcessInfo.processInfo.environment["LARPIX_REQUIRE_ORACLE"] == "1" {
            let reference = try XCTUnwrap(results["reference"] as? [[String: Any]], "larpix-control reference numbers")
            XCTAssertEqual(reference.count, 4)
        }
        let e2e = try XCTUnwrap(results["end_to_end"] as? [[String: Any]])
        XCTAssertFalse(e2e.isEmpty)
        for row in e2e {
            XCTAssertGreaterThan((row["zmq_ceiling"] as? Double) ?? 0, 0, "ZeroMQ ceiling in \(row)")
            XCTAssertNotNil(row["zero_loss_rate"] as? Double, "zero-loss rate in \(row)")
            XCTAssertFalse((row["trials"] as? [Any] ?? []).isEmpty, "search trials in \(row)")
            // Issue 14: the shared-CPU limit, its parts, and the ratio beside the zero-loss rate.
            XCTAssertGreaterThan((row["shared_cpu_limit"] as? Double) ?? 0, 0, "shared-CPU limit in \(row)")
            XCTAssertNotNil(row["ratio_to_shared_limit"] as? Double, "ratio to the shared-CPU limit in \(row)")
            let parts = try XCTUnwrap(row["shared_cpu"] as? [String: Any], "shared-CPU parts in \(row)")
            for key in ["appender_us", "publisher_us", "subscriber_us", "mb_per_s"] {
                XCTAssertGreaterThan((parts[key] as? Double) ?? 0, 0, "shared_cpu.\(key) in \(row)")
            }
            // The lossless measure: every message sent by the blocking publisher was visible, at a
            // rate, against the limit with the same publisher.
            let lossless = try XCTUnwrap(row["lossless"] as? [String: Any], "lossless measure in \(row)")
            XCTAssertEqual(lossless["lost"] as? Int, 0, "the blocking publisher lost nothing: \(lossless)")
            XCTAssertGreaterThan((lossless["msg_per_s"] as? Double) ?? 0, 0, "lossless rate in \(lossless)")
            XCTAssertGreaterThan((lossless["ratio_to_limit"] as? Double) ?? 0, 0, "lossless ratio in \(lossless)")
            XCTAssertGreaterThan((parts["blocking_msg_per_s"] as? Double) ?? 0, 0, "limit with the blocking publisher in \(row)")
            // Every trial has the daemon's CPU by thread: the three named classes did work, "other"
            // (main, monitors, NIO) may have had nothing to do in a 0.5 s window.
            for trial in row["trials"] as? [[String: Any]] ?? [] {
                let cpu = try XCTUnwrap(trial["cpu"] as? [String: Any], "trial CPU in \(trial)")
                let threads = try XCTUnwrap(cpu["threads_us_per_message"] as? [String: Any], "split in \(cpu)")
                for key in ["zmq_io", "receiver", "writer"] {
                    XCTAssertGreaterThan((threads[key] as? Double) ?? 0, 0, "\(key) us/msg in \(cpu)")
                }
                XCTAssertGreaterThanOrEqual((threads["other"] as? Double) ?? -1, 0, "other us/msg in \(cpu)")
                XCTAssertGreaterThan((cpu["publisher_us_per_message"] as? Double) ?? 0, 0, "publisher us/msg in \(cpu)")
            }
        }
        let mem = try XCTUnwrap(results["memory_latency"] as? [String: Any])
        XCTAssertGreaterThan(((mem["overload"] as? [String: Any])?["peak_rss_mb"] as? Double) ?? 0, 0)
        XCTAssertNotNil((mem["soak"] as? [String: Any])?["slope_mb_per_min"] as? Double)
        let latency = try XCTUnwrap(mem["latency"] as? [[String: Any]])
        XCTAssertTrue(latency.allSatisfy { ($0["messages"] as? Int ?? 0) > 0 && $0["p99_ms"] is Double }, "\(latency)")
        XCTAssertGreaterThan(((mem["ready_ms"] as? [String: Any])?["median"] as? Double) ?? 0, 0)

        // Whether the VM gave freed memory back to its host, read from sysfs (false with no balloon).
        let machine = try XCTUnwrap(results["machine"] as? [String: Any])
        let reporting = try XCTUnwrap(machine["free_page_reporting"] as? Bool, "free page reporting in \(machine)")
        // And the TCP congestion control the loopback trials ran with, read from procfs.
        let congestion = try XCTUnwrap(machine["tcp_congestion_control"] as? String, "TCP congestion control in \(machine)")
        let expected = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_congestion_control", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(congestion, expected)

        let report = try String(contentsOfFile: md, encoding: .utf8)
        for heading in ["## 1. Library append", "## 3. End to end", "Lossless throughput", "shared-CPU limit msg/s", "### Context: the alone-ceilings",
                        "## 4. Memory, latency, start-up", "| work, x the limit's | busy |",
                        reporting ? "Free page reporting was **on**" : "Free page reporting was off",
                        congestion == "cubic" ? "TCP congestion control: cubic" : "TCP congestion control: **\(congestion)**"] {
            XCTAssertTrue(report.contains(heading), "report has \(heading)")
        }
        XCTAssertTrue(report.contains("Command: `bench/run.sh --smoke"), "report names the command")
    }
}
