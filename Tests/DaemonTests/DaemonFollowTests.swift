import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// `larpix-raw follow --until-closed` on the files the real daemon writes at full rate: one file
/// ended by a SIGHUP rotation, the next by SIGTERM. Each follower must exit 0 on its own once
/// its file is closed, and print exactly `larpix-raw dump --format jsonl` of the closed file.
final class DaemonFollowTests: XCTestCase {
    func testFollowUntilClosedOnTheDaemonsLiveFilesAtFullRate() throws {
        let raw = try DaemonHarness.binary("larpix-raw")
        let h = try DaemonHarness(label: "dfollow")
        defer { h.cleanUp() }
        let emulator = try h.emulator(seed: 4242, words: 1...64)
        let config = try h.writeConfig(extra: "receive:\n  rcvhwm: 2000\n")
        _ = try h.startDaemon(config: config)
        var followers: [(String, Process, URL, URL)] = []
        func follow(_ file: String) throws {
            let out = h.dir.appendingPathComponent("follow\(followers.count).jsonl")
            let err = h.dir.appendingPathComponent("follow\(followers.count).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: raw)
            p.arguments = ["follow", file, "--until-closed", "--interval", "0.01"]
            p.environment = ProcessInfo.processInfo.environment.merging(["HDF5_USE_FILE_LOCKING": "FALSE"]) { $1 }
            p.standardOutput = try FileHandle(forWritingTo: out)
            p.standardError = try FileHandle(forWritingTo: err)
            try p.run()
            followers.append((file, p, out, err))
        }
        try follow(h.dataFiles[0])
        emulator.waitUntilSent(1)
        usleep(1_500_000)
        let liveLines = ((try? Data(contentsOf: followers[0].2)) ?? Data()).count
        XCTAssertGreaterThan(liveLines, 0, "the follower printed messages while the file was being written")
        kill(h.process!.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while h.dataFiles.count < 2 && Date() < deadline { usleep(5_000) }
        XCTAssertEqual(h.dataFiles.count, 2, "the SIGHUP started a second file")
        try follow(h.dataFiles[1])
        usleep(1_500_000)
        XCTAssertEqual(try h.signalAndWait(SIGTERM), 0)
        let report = emulator.finish()

        var total = 0
        for (file, p, out, err) in followers {
            let end = Date().addingTimeInterval(60)
            while p.isRunning && Date() < end { usleep(10_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let errText = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            XCTAssertEqual(p.terminationStatus, 0, "follow \(file) exits 0 once the file is closed: \(errText)")
            let followed = try Data(contentsOf: out)
            let dump = try TestSupport.run(raw, ["dump", file, "--format", "jsonl"])
            XCTAssertEqual(dump.status, 0, dump.stderr)
            let n = try RawFile.count(file)
            XCTAssertGreaterThan(n, 0)
            XCTAssertEqual(followed.count, dump.stdout.utf8.count, "\(file): followed output length vs dump")
            XCTAssertTrue(followed == Data(dump.stdout.utf8), "\(file): follow printed exactly the closed file's messages")
            total += n
            print("daemon-follow: \(file): \(n) messages followed live, identical to the closed file's dump")
        }
        let cmp = try DaemonHarness.compare(files: h.dataFiles, with: emulator.sequence())
        XCTAssertNil(cmp.problem)
        XCTAssertEqual(cmp.messages, total)
        print("daemon-follow: published \(report.messages), stored \(total) in 2 files")
    }
}
