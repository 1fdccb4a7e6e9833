import Foundation
import LArPixRaw
import TestSupport
import XCTest
@testable import LArPixIngest

/// The daemon on a tmpfs of a few MB that a filler file nearly fills: it must keep running when
/// the disk is full, log it, count write errors, hold messages in its bounded buffer, and write
/// again when the filler is deleted, with everything the emulator got out stored in order and
/// every message that could not be held counted (the emulator's --drop-on-full count).
final class FullDiskTests: XCTestCase {
    var mountPoints: [URL] = []

    override func tearDown() {
        for m in mountPoints { _ = try? TestSupport.run("/bin/umount", [m.path]) }
        mountPoints = []
    }

    /// Mounts a tmpfs of `megabytes` at `dir`, or skips saying why it cannot.
    func mountSmallFilesystem(_ dir: URL, megabytes: Int) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard getuid() == 0 else {
            throw TestSupport.unavailable("a full-disk test needs a small filesystem: mounting a tmpfs needs root (uid \(getuid())); CI runs as root")
        }
        let r = try TestSupport.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", dir.path])
        guard r.status == 0 else {
            throw TestSupport.unavailable("cannot mount a \(megabytes) MB tmpfs at \(dir.path) (a container without CAP_SYS_ADMIN?): \(r.stderr)")
        }
        mountPoints.append(dir)
    }

    func testFullDiskHoldsRetriesAndResumesCountingEveryDrop() throws {
        let h = try DaemonHarness(label: "fulldisk")
        defer { h.cleanUp() }
        // 16 MB, a filler leaving about 2.5 MB: the run needs ~7 MB, so it fits once the filler goes.
        try mountSmallFilesystem(h.dataDir, megabytes: 16)
        let filler = h.dataDir.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: Data(count: 16 << 20 - (5 << 19)))
        let freeAtStart = DiskSpace(directory: h.dataDir.path).freeBytes() ?? -1

        // Paced, so that the stall is seconds long; drops at the emulator are counted there.
        let emulator = try h.emulator(seed: 9, words: 1...8, count: 100_000,
                                      dropOnFull: true, rate: 25_000)
        let config = try h.writeConfig(output: ["min_free_bytes: 4MB"],
                                       extra: "buffer:\n  max_bytes: 256kB\nbatch:\n  max_bytes: 64kB\nreceive:\n  rcvhwm: 1000\n  rcvbuf: 64kB\n")
        let daemon = try h.startDaemon(config: config)
        emulator.waitUntilSent(1)
        // Wait for the stall, hold it for a while, then free the space.
        let deadline = Date().addingTimeInterval(30)
        while !h.log.contains("disk full") && Date() < deadline && daemon.isRunning { usleep(20_000) }
        XCTAssertTrue(h.log.contains("disk full"), "the daemon saw the disk fill: \(h.log.suffix(2000))")
        usleep(1_500_000)
        XCTAssertTrue(daemon.isRunning, "the daemon survives a full disk")
        let sentWhenFreed = emulator.sent
        try FileManager.default.removeItem(at: filler)
        let report = emulator.wait()
        XCTAssertTrue(daemon.isRunning)
        let end = Date().addingTimeInterval(30)
        while h.dataFiles.reduce(0, { $0 + ((try? RawFile.count($1)) ?? 0) }) < report.messages && Date() < end { usleep(50_000) }
        XCTAssertEqual(try h.signalAndWait(SIGTERM), 0, h.log.suffix(3000).description)

        let log = h.log
        XCTAssertTrue(log.contains("only ") && log.contains("min_free_bytes"), "a warning below min_free_bytes at open")
        XCTAssertTrue(log.contains("disk space is back"), "resumed: \(log.suffix(2000))")
        guard let stopped = StopRotateTests.stoppedLine(log) else { return XCTFail("no stopped: line: \(log.suffix(2000))") }
        let errors = Self.writeErrors(log)
        XCTAssertGreaterThan(errors ?? 0, 0, "write errors are counted")

        // Stored, in order: exactly the messages the emulator got out (those it dropped are
        // counted by it), none dropped by the daemon.
        let files = h.dataFiles
        let sub = try Self.subsequence(files: files, of: emulator.sequence(), published: report.messages + report.dropped)
        XCTAssertNil(sub.problem)
        XCTAssertEqual(sub.stored, report.messages, "stored == published (sent) messages")
        XCTAssertEqual(report.messages + report.dropped, 100_000, "published == written + counted drops")
        XCTAssertEqual(stopped.received, stopped.written)
        XCTAssertEqual(stopped.written, sub.stored)
        XCTAssertEqual(stopped.refused, 0)
        print("full-disk: \(freeAtStart) bytes free at start; \(report.messages + report.dropped) offered at 25,000 msg/s, \(report.dropped) dropped (counted) by the emulator while the daemon's 256 kB buffer was full, \(sub.stored) stored in \(files.count) file(s), \(errors ?? -1) write errors counted; \(sentWhenFreed) sent when the filler was deleted")
    }

    /// SIGTERM with the disk full and a buffer holding many batches: the stop ends once its one
    /// budget (stop_timeout) is spent, however many batches wait, and every received message is
    /// either in the file or counted as write_failed, logged once with the totals.
    func testStopOnAFullDiskEndsWithinOneBudgetAndCountsWhatIsLeft() throws {
        let h = try DaemonHarness(label: "fullstop")
        defer { h.cleanUp() }
        try mountSmallFilesystem(h.dataDir, megabytes: 16)
        _ = FileManager.default.createFile(atPath: h.dataDir.appendingPathComponent("filler").path, contents: Data(count: 16 << 20 - (5 << 19)))
        let emulator = try h.emulator(seed: 11, words: 16...64, count: 40_000)
        let config = try h.writeConfig(output: ["min_free_bytes: 0"],
                                       extra: "stop_timeout: 2s\nbuffer:\n  max_bytes: 64MiB\nbatch:\n  max_bytes: 256kB\n  max_messages: 500\n")
        let daemon = try h.startDaemon(config: config)
        let deadline = Date().addingTimeInterval(30)
        while !h.log.contains("disk full") && Date() < deadline && daemon.isRunning { usleep(20_000) }
        XCTAssertTrue(h.log.contains("disk full"), "the daemon saw the disk fill: \(h.log.suffix(2000))")
        _ = emulator.wait()
        // Every message sent is received (the 64 MiB buffer holds them all) before the stop.
        TestSupport.wait("the last message received", seconds: 30) {
            h.log.contains("disk full") && emulator.isFinished
        }
        // A budget per batch (80 batches x 2 s) would not end within the harness's 60 s.
        let stopAt = Date()
        XCTAssertEqual(try h.signalAndWait(SIGTERM, timeout: 60), 0, h.log.suffix(3000).description)
        let stopSeconds = Date().timeIntervalSince(stopAt)
        let log = h.log
        guard let stopped = StopRotateTests.stoppedLine(log) else { return XCTFail("no stopped: line: \(log.suffix(2000))") }
        let lost = log.split(separator: "\n").filter { $0.contains("could not be written within the stop's") }
        XCTAssertEqual(lost.count, 1, "logged once with the totals: \(lost)")
        let stored = try h.dataFiles.reduce(0) { $0 + (try RawFile.count($1)) }
        XCTAssertEqual(stopped.written, stored, "written = what the files hold")
        XCTAssertEqual(stopped.received, stopped.written + stopped.refused, "received = written + write_failed")
        XCTAssertGreaterThan(stopped.refused, 0, "the full disk left messages unwritten")
        print("full-disk stop: SIGTERM to exit \(String(format: "%.2f", stopSeconds)) s with stop_timeout 2 s; \(stopped.received) received, \(stopped.written) written, \(stopped.refused) counted write_failed; \(lost.first ?? "")")
    }

    /// Two places (output.directories), small tmpfs each: the first fills during a full-rate run,
    /// the writer closes its file there and goes on in the second. Nothing is lost or repeated:
    /// across both places, in creation order, the files hold exactly the published sequence, and
    /// every file has its sidecar.
    func testWhenTheFirstPlaceFillsTheWriterGoesOnInTheNextLosingNothing() throws {
        let h = try DaemonHarness(label: "spill")
        defer { h.cleanUp() }
        let spill = h.dir.appendingPathComponent("spill")
        try mountSmallFilesystem(h.dataDir, megabytes: 12)
        try mountSmallFilesystem(spill, megabytes: 32)
        // About 21 MB of messages at full rate: more than the first place holds above min_free_bytes.
        let count = 150_000
        let emulator = try h.emulator(seed: 21, words: 1...16, count: count)
        let config = try h.writeConfig(flushInterval: "100ms", output: ["min_free_bytes: 3MB"],
                                       extra: "buffer:\n  max_bytes: 16MiB\nbatch:\n  max_bytes: 256kB\n")
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "  directory: \"\(h.dataDir.path)\"\n", with: "  directories: [\"\(h.dataDir.path)\", \"\(spill.path)\"]\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        _ = try h.startDaemon(config: config)
        let report = emulator.wait()
        XCTAssertEqual(report.messages, count)
        func files() -> [String] {
            [h.dataDir, spill].flatMap { d in
                ((try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []).filter { $0.hasSuffix(".h5") }.map { (d, $0) }
            }.sorted { DaemonHarness.creationKey($0.1) < DaemonHarness.creationKey($1.1) }.map { $0.0.appendingPathComponent($0.1).path }
        }
        TestSupport.wait("every message in the files", seconds: 60) { files().reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) } >= count }
        XCTAssertEqual(try h.signalAndWait(SIGTERM), 0, h.log.suffix(3000).description)

        let all = files()
        let cmp = try DaemonHarness.compare(files: all, with: emulator.sequence())
        XCTAssertNil(cmp.problem)
        XCTAssertEqual(cmp.messages, count, "every message once, in order, across both places")
        XCTAssertEqual(cmp.bytes, report.bytes)
        let inSpill = all.filter { $0.hasPrefix(spill.path) }
        XCTAssertFalse(inSpill.isEmpty, "the second place took files: \(all)")
        XCTAssertLessThan(inSpill.count, all.count, "the first place took files too")
        let log = h.log
        let moves = log.split(separator: "\n").filter { $0.contains("output: moving from \(h.dataDir.path) to \(spill.path)") }
        XCTAssertEqual(moves.count, 1, "the move is logged once: \(log.suffix(2000))")
        XCTAssertEqual(FullDiskTests.writeErrors(log), 0, "no write failed: the writer moved before the disk was full")
        for f in all { XCTAssertTrue(FileManager.default.fileExists(atPath: f + ".json"), "sidecar of \(f)") }
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: h.dataDir.appendingPathComponent("latest").path)
        XCTAssertEqual(latest, inSpill.last, "the latest link (in the first place) points into the second")
        print("spill: \(count) messages at \(String(format: "%.0f", Double(count) / report.seconds)) msg/s: \(all.count - inSpill.count) file(s) in the first place (12 MB tmpfs), \(inSpill.count) in the second; \(moves.first.map { String($0) } ?? "")")
    }

    /// "E write errors" from the stopped line.
    static func writeErrors(_ log: String) -> Int? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains("stopped: ") }),
              let r = line.range(of: " write errors") else { return nil }
        return Int(line[..<r.lowerBound].split(separator: " ").last ?? "")
    }

    /// Whether the files hold, in order, a subsequence of the published sequence (the emulator's
    /// drops are the gaps).
    static func subsequence(files: [String], of sequence: DaemonHarness.MessageSequence, published: Int) throws -> (stored: Int, problem: String?) {
        var seq = sequence
        var position = 0, stored = 0
        for f in files {
            for m in try RawFile.read(f).messages ?? [] {
                var found = false
                while position < published {
                    position += 1
                    if seq.next() == m { found = true; break }
                }
                if !found { return (stored, "\(f): message \(stored) is not in the published sequence after the previous one") }
                stored += 1
            }
        }
        return (stored, nil)
    }
}
