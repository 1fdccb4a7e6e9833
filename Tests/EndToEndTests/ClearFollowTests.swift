import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// clear after a killed writer, and follow against a live writer.
final class ClearFollowTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-live") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Starts the SWMR Python writer (see `swmrWriterScript`).
    func startWriter(_ oracle: Oracle, _ file: String, batches: Int, per: Int, pause: Double, hang: Bool) throws -> CLI.Background {
        let script = path("swmr_writer.py")
        try swmrWriterScript.write(toFile: script, atomically: true, encoding: .utf8)
        return try CLI.Background(oracle.python, [script, file, "\(batches)", "\(per)", "\(pause)", hang ? "hang" : "close"])
    }

    func testClearAfterAWriterWasKilled() throws {
        let oracle = try Oracle.debian()
        let p = path("crashed.h5")
        let writer = try startWriter(oracle, p, batches: 4, per: 250, pause: 0, hang: true)
        try writer.waitFor("the writer to flush its batches", timeout: 20) { writer.stdout.contains("ready") }
        // A live writer: clear refuses.
        assertFailure(try CLI.run(["clear", p]), status: 20, subject: p, contains: "has the file open")
        kill(writer.process.processIdentifier, SIGKILL)
        writer.process.waitUntilExit()
        XCTAssertEqual(writer.process.terminationReason, .uncaughtSignal)

        // The mark is left behind: info shows it, appending is refused with exit 20.
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
        let info = try jsonObject(try CLI.run(["info", p, "--json"]).stdout)
        XCTAssertEqual(info["swmr_writer_mark"] as? Bool, true)
        XCTAssertEqual(info["messages"] as? Int, 1000)
        assertFailure(try CLI.run(["write", p, "--from-jsonl", "-"], stdin: "{\"msg\": \"44\"}\n"), status: 20, subject: p,
                      contains: "larpix-raw clear")

        let r = try CLI.run(["clear", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(p): cleared the SWMR writer mark (superblock flags 0x5 -> 0x0); 1000 messages readable\n")
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
        let again = try CLI.run(["clear", p])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stdout.contains("nothing to do"), again.stdout)

        // Usable again: append, and larpix-control reads everything the writer flushed plus ours.
        XCTAssertEqual(try CLI.run(["write", p, "--from-jsonl", "-"], stdin: "{\"io_group\": 9, \"msg\": \"4400\"}\n").status, 0)
        let theirs = try oracle.read(p)
        XCTAssertEqual(theirs.messages.count, 1001)
        let written = try String(contentsOfFile: p + ".written.jsonl", encoding: .utf8)
        XCTAssertEqual(try CLI.run(["dump", p, "--end", "1000"]).stdout, written)
        XCTAssertEqual(theirs.messages.last, [0x44, 0x00])
        XCTAssertEqual(theirs.ioGroups.last, 9)
    }

    func testFollowUntilClosedPrintsEverythingWritten() throws {
        let oracle = try Oracle.debian()
        let p = path("live.h5")
        let writer = try startWriter(oracle, p, batches: 12, per: 150, pause: 0.08, hang: false)
        try writer.waitFor("the writer to create the file", timeout: 20) { SuperblockFlags.isMarkedOpenForWriting(p) }
        let follow = try CLI.Background(try CLI.binary(), ["follow", p, "--until-closed", "--interval", "0.03"])
        XCTAssertEqual(try writer.wait(timeout: 30), 0, writer.stderr)
        XCTAssertTrue(writer.stdout.contains("closed"))
        XCTAssertEqual(try follow.wait(timeout: 20), 0, follow.stderr)
        let written = try String(contentsOfFile: p + ".written.jsonl", encoding: .utf8)
        XCTAssertEqual(written.split(separator: "\n").count, 1800)
        XCTAssertEqual(follow.stdout, written, "follow must print exactly what was written, in order")
        XCTAssertEqual(follow.stderr, "")
    }

    func testFollowFromAndStopOnSignal() throws {
        let (msgs, groups) = sampleMessages(40)
        let p = path("done.h5")
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)])
        // A closed file with --until-closed: prints from --from and exits.
        var r = try CLI.run(["follow", p, "--from", "-5", "--until-closed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, expectedJSONL(msgs[35...], groups[35...]))
        r = try CLI.run(["follow", p, "--from", "38", "--until-closed"])
        XCTAssertEqual(r.stdout, expectedJSONL(msgs[38...], groups[38...]))
        r = try CLI.run(["follow", p, "--from-end", "--until-closed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")

        // Without --until-closed it waits for more; appends show up; SIGTERM/SIGINT stop it cleanly.
        for sig in [SIGTERM, SIGINT] {
            let f = try CLI.Background(try CLI.binary(), ["follow", p, "--interval", "0.02"])
            try f.waitFor("the existing messages", timeout: 10) { f.stdout.split(separator: "\n").count == 40 }
            let (more, moreGroups) = sampleMessages(3, baseTime: 1_800_000_000)
            XCTAssertEqual(try CLI.run(["write", p, "--from-jsonl", "-"], stdin: expectedJSONL(more[...], moreGroups[...])).status, 0)
            try f.waitFor("the appended messages", timeout: 10) { f.stdout.split(separator: "\n").count == 43 }
            kill(f.process.processIdentifier, sig)
            XCTAssertEqual(try f.wait(timeout: 10), 0, "signal \(sig): \(f.stderr)")
            let lines = f.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, 43)
            XCTAssertEqual(String(lines[40]), "{\"index\": 40, \"io_group\": 1, \"msg\": \"\(String.hex(more[0]))\"}")
            // Remove the appended three for the next round.
            let all = try RawFile.read(p)
            try FileManager.default.removeItem(atPath: p)
            try RawFile.write(p, messages: Array(all.messages!.prefix(40)), headers: ["io_groups": Array(all.headers["io_groups"]!.prefix(40))])
        }
    }
}
