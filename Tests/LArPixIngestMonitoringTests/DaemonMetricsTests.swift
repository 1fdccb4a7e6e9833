import Foundation
import LArPixRaw
import XCTest
@testable import LArPixIngest
@testable import LArPixIngestMonitoring

/// The metrics render what the data path's counters say, under the shared names, without a
/// daemon: the counters are set directly.
final class DaemonMetricsTests: XCTestCase {
    func sample(_ text: String, _ name: String, _ labels: String = "") -> Double? {
        let key = MetricNames.prefix + name + labels
        for line in text.split(separator: "\n") where line.hasPrefix(key + " ") {
            return Double(line.split(separator: " ").last!)
        }
        return nil
    }

    func testRenderShowsConfiguredGroupsDropsAndTotals() {
        let stats = IngestStats(bufferMaxBytes: 1 << 20)
        let metrics = DaemonMetrics(inputs: .init(stats: stats, tap: nil, closedFiles: nil,
                                                  configuredIOGroups: [3]))
        var text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertEqual(sample(text, MetricNames.messagesReceived, "{io_group=\"3\"}"), 0, "a configured io_group shows from the start")
        XCTAssertNil(sample(text, MetricNames.secondsSinceLastMessage, "{io_group=\"3\"}"), "no age before a message came")
        XCTAssertEqual(sample(text, MetricNames.bufferMaxBytes), Double(1 << 20))

        stats.drop(.badTag, count: 2)
        stats.flushes.wrappingAdd(5, ordering: .relaxed)
        stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
        text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertEqual(sample(text, MetricNames.messagesDropped, "{reason=\"bad_tag\"}"), 2)
        XCTAssertEqual(sample(text, MetricNames.messagesDropped, "{reason=\"empty\"}"), 0)
        XCTAssertEqual(sample(text, MetricNames.flushes), 5)
        XCTAssertEqual(sample(text, MetricNames.writeErrors), 1)
        XCTAssertEqual(sample(text, MetricNames.info, "{version=\"\(DaemonVersion.string)\"}"), 1)
    }

    func testRunGaugesAndControlCounts() {
        let stats = IngestStats(bufferMaxBytes: 1 << 20)
        let metrics = DaemonMetrics(inputs: .init(stats: stats, tap: nil, closedFiles: nil,
                                                  configuredIOGroups: []))
        var text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertEqual(sample(text, MetricNames.runNumber), 0, "untagged")
        stats.runStatus = RunStatus(tag: RunTag(run: 42, subrun: 3, dataStream: "physics"))
        stats.countControl("start-run", result: "ok")
        stats.countControl("start-run", result: "run_already_started")
        stats.countControl("start-run", result: "run_already_started")
        text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertEqual(sample(text, MetricNames.runNumber), 42)
        XCTAssertEqual(sample(text, MetricNames.subrunNumber), 3)
        XCTAssertEqual(sample(text, MetricNames.runPaused), 0)
        XCTAssertEqual(sample(text, MetricNames.controlCommands, "{command=\"start-run\",result=\"run_already_started\"}"), 2)
        stats.runStatus = RunStatus(tag: nil, paused: true)
        text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertEqual(sample(text, MetricNames.runNumber), 0)
        XCTAssertEqual(sample(text, MetricNames.runPaused), 1)
    }
}
