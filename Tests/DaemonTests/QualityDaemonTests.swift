import PACMAN
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PacmanEmulator
import TestSupport
import XCTest

/// The data-quality counters of the daemon against a board-like emulator with known words:
/// heartbeats, 'S' syncs and triggers counted in the metrics (`larpix-raw status`) and in the
/// sidecar as sent; a board that stops its heartbeats is logged, and its return too; a board
/// restarted with its clock ahead shows one time jump and one timestamp reset not at a sync.
final class QualityDaemonTests: DaemonProcessCase {
    static let ioGroup: UInt8 = 5
    static let start: UInt32 = 1_700_000_000

    func board(port: Int?, time: UInt32, seconds: Double, seed: UInt64) throws -> PacmanPublisher {
        var o = PacmanPublisher.Options()
        o.endpoint = "tcp://127.0.0.1:\(port.map(String.init) ?? "*")"
        var b = BoardStream.Settings()
        (b.dataRate, b.triggerRate, b.heartbeatInterval, b.batching, b.startTime, b.seed) = (3000, 20, 0.25, true, time, seed)
        o.board = b
        o.seconds = seconds
        o.sendHighWaterMark = 0
        o.waitForSubscribers = 20
        o.startDelay = 0.3
        return try PacmanPublisher(options: o)
    }

    func status(_ port: Int) throws -> [String: Any] {
        let r = try TestSupport.run(TestSupport.product("larpix-raw"), ["status", "--endpoint", "127.0.0.1:\(port)", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let groups = try XCTUnwrap(obj["quality"] as? [[String: Any]])
        return try XCTUnwrap(groups.first { $0["io_group"] as? Int == Int(Self.ioGroup) }, "\(groups)")
    }

    func assertCounts(_ q: [String: Any], _ sent: BoardWordCounts, resets: Int, jumpsForward: Int, _ what: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        let syncs = q["sync_words"] as? [String: Int], jumps = q["time_jumps"] as? [String: Int]
        XCTAssertEqual(q["data_words"] as? Int, sent.data, what, file: file, line: line)
        XCTAssertEqual(q["trigger_words"] as? Int, sent.trigger, what, file: file, line: line)
        XCTAssertEqual(syncs, ["H": sent.heartbeat, "S": sent.sync, "C": 0, "other": 0], what, file: file, line: line)
        XCTAssertEqual(jumps, ["backward": 0, "forward": jumpsForward], what, file: file, line: line)
        XCTAssertEqual(q["timestamp_resets"] as? Int, resets, what, file: file, line: line)
        XCTAssertEqual(q["unparsed_messages"] as? Int, 0, what, file: file, line: line)
    }

    func testCountersEqualWhatTheBoardSentAndAStoppedHeartbeatIsLogged() throws {
        let first = try board(port: nil, time: Self.start, seconds: 1.6, seed: 1)
        let port = Int(first.endpoint.split(separator: ":").last!)!
        let metricsPort = try Self.freePort()
        let config = try writeConfig(sources: [(first.endpoint, Self.ioGroup)],
                                     extra: "metrics: {listen: \"127.0.0.1:\(metricsPort)\"}\nquality: {heartbeat_timeout: 1}\n")
        try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "log_level: warning", with: "log_level: info")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try startDaemon(config: config)
        let a = try first.run()
        first.close()
        XCTAssertEqual(a.dropped, 0)
        XCTAssertEqual([a.sentWords.heartbeat, a.sentWords.sync], [7, 1], "heartbeats at 0, 0.25 ... 1.5 s; a sync at 1 s")
        waitUntilVisible(a.messages)
        var q = try status(metricsPort)
        assertCounts(q, a.sentWords, resets: 0, jumpsForward: 0, "after the first run")
        XCTAssertNotNil(q["seconds_since_last_heartbeat"] as? Double)
        XCTAssertNotNil(q["seconds_since_last_sync"] as? Double)
        let text = try String(contentsOf: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!, encoding: .utf8)
        XCTAssertTrue(text.contains("larpix_rawd_sync_words_total{io_group=\"5\",sync_type=\"H\"} \(a.sentWords.heartbeat)"), text)
        XCTAssertTrue(text.contains("larpix_rawd_trigger_words_total{io_group=\"5\"} \(a.sentWords.trigger)"), text)

        TestSupport.wait("the heartbeat warning in the log", seconds: 10) { daemonLog.contains("io_group 5: no heartbeat for") }

        // The board comes back with its clock 1000 s ahead and its counter restarted: one forward
        // jump, one timestamp reset not at a sync, and its heartbeats resumed.
        let second = try board(port: port, time: Self.start + 1000, seconds: 0.6, seed: 2)
        let b = try second.run()
        second.close()
        waitUntilVisible(a.messages + b.messages)
        TestSupport.wait("the resumed line in the log", seconds: 10) { daemonLog.contains("io_group 5: heartbeats resumed after") }
        var both = a.sentWords
        both += b.sentWords
        q = try status(metricsPort)
        assertCounts(q, both, resets: 1, jumpsForward: 1, "after the second run")

        stop(daemon)
        let file = try XCTUnwrap(dataFiles.first)
        XCTAssertEqual(dataFiles.count, 1)
        let sidecar = try CatalogSidecar(file + ".json")
        let perGroup = try XCTUnwrap(sidecar.ours["quality"] as? [String: [String: Any]], "\(sidecar.ours)")
        XCTAssertEqual(Array(perGroup.keys), ["5"])
        assertCounts(perGroup["5"]!, both, resets: 1, jumpsForward: 1, "in the sidecar")
    }
}
