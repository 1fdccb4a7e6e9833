import Foundation
import TestSupport
import XCTest
@testable import LArPixIngest
@testable import LArPixIngestMonitoring

/// The monitoring keys of the configuration.
final class MonitoringConfigTests: XCTestCase {
    let oneSource = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"

    func parse(_ yaml: String) throws(ConfigError) -> DaemonConfig {
        try DaemonConfig.parse(yaml: yaml, file: "test.yaml")
    }

    func testMonitoringKeysParseAndPrintBack() throws {
        let c = try parse(oneSource + """
        output: {sidecar: false, latest_link: current, on_close: [sh, -c, "exit 0", x]}
        metrics: {listen: "*:9200"}
        tap: {listen: "tcp://*:5600", sndhwm: 0}
        """)
        XCTAssertFalse(c.output.sidecar)
        XCTAssertEqual(c.output.latestLink, "current")
        XCTAssertEqual(c.output.onClose.count, 4)
        XCTAssertTrue(c.output.onClose[0].hasSuffix("/sh") && c.output.onClose[0].hasPrefix("/"), "resolved on PATH: \(c.output.onClose)")
        XCTAssertEqual(Array(c.output.onClose.dropFirst()), ["-c", "exit 0", "x"])
        XCTAssertEqual(c.metricsListen, "*:9200")
        XCTAssertEqual(c.tap, .init(listen: "tcp://*:5600", sendHighWaterMark: 0))
        let back = try parse(c.effectiveYAML())
        XCTAssertEqual(back.output, c.output)
        XCTAssertEqual(back.tap, c.tap)
        XCTAssertEqual(back.metricsListen, c.metricsListen)
        // Off switches.
        let off = try parse(oneSource + "output: {latest_link: \"\", on_close: \"\"}\nmetrics: {listen: \"\"}\n")
        XCTAssertEqual(off.output.latestLink, "")
        XCTAssertEqual(off.output.onClose, [])
        XCTAssertEqual(off.metricsListen, "")
        XCTAssertEqual(MonitoringSettings(config: off).metricsListen, "")
    }

    /// Packet files go beside each raw file, in whichever output place it was written, unless
    /// packets.directory names one place for all of them.
    func testPacketFilesGoBesideTheirRawFileUnlessADirectoryIsGiven() throws {
        let converter = "converter: /bin/true"
        let beside = try MonitoringSettings.checked(parse(oneSource + """
        output: {directories: [/data/a, /data/b]}
        packets: {enabled: true, \(converter)}
        """))
        XCTAssertEqual(beside.packets?.packetPath(forRaw: "/data/a/binary-0000001.h5"), "/data/a/packet-0000001.h5")
        XCTAssertEqual(beside.packets?.packetPath(forRaw: "/data/b/binary-0000002.h5"), "/data/b/packet-0000002.h5")
        let one = try MonitoringSettings.checked(parse(oneSource + """
        output: {directories: [/data/a, /data/b]}
        packets: {enabled: true, directory: /data/packets, \(converter)}
        """))
        XCTAssertEqual(one.packets?.packetPath(forRaw: "/data/b/binary-0000002.h5"), "/data/packets/packet-0000002.h5")
    }

    func testBadMonitoringKeysNameTheKey() {
        let cases: [(String, String, String)] = [
            ("output: {latest_link: ../up.h5}\n", "output.latest_link", "plain file name"),
            ("output: {latest_link: a/b.h5}\n", "output.latest_link", "plain file name"),
            ("output: {latest_link: latest.h5}\n", "output.latest_link", "glob *.h5"),
            ("output: {latest_link: now.HDF5}\n", "output.latest_link", "glob *.h5"),
            ("output: {sidecar: maybe}\n", "output.sidecar", "true or false"),
            ("output: {on_close: [/nonexistent/ship]}\n", "output.on_close[0]", "not an executable"),
            ("output: {on_close: [no-such-program-larpix]}\n", "output.on_close[0]", "on PATH"),
            ("output: {on_close: [\"\"]}\n", "output.on_close[0]", "empty"),
            ("output: {on_close: {a: 1}}\n", "output.on_close", "list"),
            ("output: {on_close: [sh, [x]]}\n", "output.on_close[1]", "string"),
            ("tap: {listen: \"udp://h:1\"}\n", "tap.listen", "tcp://"),
            ("tap: {listen: \"tcp://h\"}\n", "tap.listen", "PORT"),
            ("tap: {sndhwm: -1}\n", "tap.sndhwm", "negative"),
            ("tap: {bogus: 1}\n", "tap.bogus", "unknown key"),
            ("tap: 5\n", "tap", "mapping"),
            ("metrics: {listen: \"127.0.0.1:0x\"}\n", "metrics.listen", "1-65535"),
        ]
        for (yaml, key, words) in cases {
            do {
                _ = try parse(oneSource + yaml)
                XCTFail("accepted: \(yaml)")
            } catch {
                XCTAssertEqual(error.key, key, "\(yaml) -> \(error)")
                XCTAssertTrue(error.problem.contains(words), "\"\(words)\" in \(error)")
            }
        }
    }

    /// adler32 and SHA-256 agree with Python's zlib.adler32 and hashlib.sha256, across block
    /// boundaries and for an empty file.
}
