import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// packets.enabled end to end: the daemon writes raw files, each closed one (by SIGHUP, by the
/// stop) gets its packet file through `larpix-raw convert`, with rows equal to larpix-control's
/// own converter on the same raw file, its own sidecar, and on_close after it for both files.
final class PacketFilesTests: XCTestCase {
    func testEachClosedRawFileGetsItsPacketFileSidecarAndOnClose() throws {
        let oracle = try PacketsOracle.debian()
        let h = try DaemonHarness(label: "packets")
        defer { h.cleanUp() }
        let script = h.dir.appendingPathComponent("on_close.sh").path
        let calls = h.dir.appendingPathComponent("calls.txt").path
        try "#!/bin/sh\necho \"$1\" >> \(calls)\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let packetsDir = h.dir.appendingPathComponent("packets").path
        let converter = try DaemonHarness.binary("larpix-raw")
        let emulator = try h.emulator(seed: 21, words: 1...12, count: 3000, rate: 2000)
        let config = try h.writeConfig(filename: "binary-{seq}.h5", output: ["on_close: [\"\(script)\"]"],
                                       extra: "packets: {enabled: true, directory: \"\(packetsDir)\", converter: \"\(converter)\"}\n")
        let daemon = try h.startDaemon(config: config)
        emulator.waitUntilSent(1500)
        TestSupport.wait("1500 messages visible", seconds: 30) { h.dataFiles.reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) } >= 1500 }
        kill(daemon.processIdentifier, SIGHUP)
        _ = emulator.wait()
        TestSupport.wait("3000 messages visible", seconds: 30) { h.dataFiles.reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) } >= 3000 }
        XCTAssertEqual(try h.signalAndWait(SIGTERM), 0, h.log.suffix(3000).description)

        let raws = h.dataFiles
        XCTAssertGreaterThanOrEqual(raws.count, 2, "SIGHUP made a second file")
        var jobs: [[String: Any]] = []
        var expectedCalls: [String] = []
        for raw in raws {
            let name = (raw as NSString).lastPathComponent
            let packet = (packetsDir as NSString).appendingPathComponent("packet-" + name.dropFirst("binary-".count))
            XCTAssertTrue(FileManager.default.fileExists(atPath: packet), "\(packet): \(h.log.suffix(2000))")
            let sidecar = try CatalogSidecar(packet + ".json"), j = sidecar.ours
            XCTAssertEqual(j["raw_file"] as? String, name)
            XCTAssertEqual(sidecar.core["core.data_tier"] as? String, "decoded-raw")
            XCTAssertEqual(j["messages"] as? Int, try RawFile.count(raw))
            XCTAssertEqual(sidecar.top["size"] as? Int, (try FileManager.default.attributesOfItem(atPath: packet)[.size] as? Int))
            expectedCalls += [raw, packet]
            // larpix-control's script makes no file for an empty raw file; ours is an empty one.
            guard try RawFile.count(raw) > 0 else { XCTAssertEqual(j["packets"] as? Int, 0); continue }
            let reference = h.dir.appendingPathComponent("ref-\(name)").path
            jobs += [["raw": [raw], "reference": reference], ["compare": [packet, reference], "from_file": true]]
        }
        XCTAssertGreaterThanOrEqual(jobs.count, 4, "both files hold messages")
        let results = try oracle.batch(jobs, in: h.dir)
        for i in stride(from: 1, to: results.count, by: 2) { PacketsOracle.assertSame(results[i], "packet file \(i / 2)") }
        // on_close: the raw file, then its packet file, file after file in close order.
        let called = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(called, expectedCalls)
        // Nothing half-made is left: no hidden converting files.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: packetsDir).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testAFailedConversionLeavesTheRawFileAndIngestAlone() throws {
        let h = try DaemonHarness(label: "packets-fail")
        defer { h.cleanUp() }
        // A converter that always fails.
        let bad = h.dir.appendingPathComponent("bad-converter").path
        try "#!/bin/sh\necho 'converter: no' >&2\nexit 3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        chmod(bad, 0o755)
        let emulator = try h.emulator(seed: 22, words: 1...4, count: 500)
        let config = try h.writeConfig(extra: "packets: {enabled: true, converter: \"\(bad)\"}\n")
        _ = try h.startDaemon(config: config)
        _ = emulator.wait()
        TestSupport.wait("500 messages visible", seconds: 30) { h.dataFiles.reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) } >= 500 }
        XCTAssertEqual(try h.signalAndWait(SIGTERM), 0)
        let log = h.log
        XCTAssertTrue(log.contains("packet file of") && log.contains("not made (the raw file is untouched)"), log.suffix(2000).description)
        let raws = h.dataFiles
        XCTAssertEqual(try raws.reduce(0) { $0 + (try RawFile.count($1)) }, 500)
        XCTAssertTrue(FileManager.default.fileExists(atPath: raws[0] + ".json"), "the raw file's own sidecar is written")
    }

    /// The closed-file work counts against the stop's one budget: a conversion still running
    /// when stop_timeout (2 s here) runs out is stopped, its hidden file removed and the stop
    /// logged; the raw file still gets its sidecar, and on_close is not started late.
    func testAConversionStillRunningWhenTheStopsBudgetEndsIsStopped() throws {
        let h = try DaemonHarness(label: "packets-slow")
        defer { h.cleanUp() }
        // A converter that never finishes: it leaves its hidden file, as larpix-raw's does, and says who it is.
        let slow = h.dir.appendingPathComponent("slow-converter").path, pidFile = h.dir.appendingPathComponent("converter.pid").path
        try """
        #!/bin/sh
        echo $$ > "\(pidFile)"
        touch "$(dirname "$4")/.$(basename "$4").converting-$$"
        exec sleep 600
        """.write(toFile: slow, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        let ran = h.dir.appendingPathComponent("on_close.ran").path
        let emulator = try h.emulator(seed: 23, words: 1...4, count: 500)
        let config = try h.writeConfig(output: ["on_close: [/bin/sh, -c, 'echo \"$0\" >> \(ran)']"],
                                       extra: "stop_timeout: 2s\npackets: {enabled: true, converter: \"\(slow)\"}\n")
        let daemon = try h.startDaemon(config: config)
        _ = emulator.wait()
        TestSupport.wait("500 messages visible", seconds: 30) { h.dataFiles.reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) } >= 500 }
        // The conversion must be running when the budget runs out. A file closed by the stop
        // itself is fsynced before its conversion starts, and on a loaded machine that can take
        // longer than the 2 s budget: so rotate first, and stop once the converter runs.
        kill(daemon.processIdentifier, SIGHUP)
        TestSupport.wait("the converter started", seconds: 60) { FileManager.default.fileExists(atPath: pidFile) }
        XCTAssertEqual(try h.signalAndWait(SIGTERM, timeout: 120), 0, "the stop waited for the converter: \(h.log.suffix(1500))")
        let log = h.log
        XCTAssertTrue(log.contains("stopped unfinished when the stop's budget (stop_timeout) ran out"), log.suffix(2000).description)
        XCTAssertTrue(log.contains("on_close not run for"), log.suffix(2000).description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ran), "on_close started after the budget")
        let raws = h.dataFiles
        XCTAssertEqual(try raws.reduce(0) { $0 + (try RawFile.count($1)) }, 500)
        XCTAssertTrue(FileManager.default.fileExists(atPath: raws[0] + ".json"), "the raw file's own sidecar is written")
        let pid = try XCTUnwrap(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertNotEqual(kill(pid, 0), 0, "the converter is still running")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.dataDir.path).filter { $0.contains(".converting-") }
        XCTAssertEqual(leftovers, [], "the stopped converter's hidden file is removed")
    }
}
