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
        }
        let mem = try XCTUnwrap(results["memory_latency"] as? [String: Any])
        XCTAssertGreaterThan(((mem["overload"] as? [String: Any])?["peak_rss_mb"] as? Double) ?? 0, 0)
        XCTAssertNotNil((mem["soak"] as? [String: Any])?["slope_mb_per_min"] as? Double)
        let latency = try XCTUnwrap(mem["latency"] as? [[String: Any]])
        XCTAssertTrue(latency.allSatisfy { ($0["messages"] as? Int ?? 0) > 0 && $0["p99_ms"] is Double }, "\(latency)")
        XCTAssertGreaterThan(((mem["ready_ms"] as? [String: Any])?["median"] as? Double) ?? 0, 0)

        let report = try String(contentsOfFile: md, encoding: .utf8)
        for heading in ["## 1. Library append", "## 3. End to end", "## 4. Memory, latency, start-up"] {
            XCTAssertTrue(report.contains(heading), "report has \(heading)")
        }
        XCTAssertTrue(report.contains("Command: `bench/run.sh --smoke"), "report names the command")
    }
}
