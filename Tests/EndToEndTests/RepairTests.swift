import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// `larpix-raw repair`: what `clear` does, plus the end of allocation and equal lengths.
final class RepairTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("repair") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRepairTrimsUnequalLengthsAndKeepsEveryCompleteMessage() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(30)
        let p = dir.appendingPathComponent("torn.h5").path
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)])
        try oracle.unequal(p, extra: 3)
        assertFailure(try CLI.run(["count", p]), status: 14, subject: p)

        let dry = try CLI.run(["repair", p, "--dry-run", "--json"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        let o = try jsonObject(dry.stdout)
        XCTAssertEqual(o["msgs"] as? Int, 33)
        XCTAssertEqual(o["msg_headers"] as? Int, 30)
        XCTAssertEqual(o["trimmed_to"] as? Int, 30)
        assertFailure(try CLI.run(["count", p]), status: 14, subject: p)  // a dry run changes nothing

        let r = try CLI.run(["repair", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(p): trimmed msgs 33 / msg_headers 30 to 30 rows; 30 messages readable\n")
        XCTAssertEqual(try RawFile.read(p).messages, msgs)
        XCTAssertEqual(try oracle.read(p).messages, msgs)
        XCTAssertEqual(try CLI.run(["repair", p]).stdout, "\(p): nothing to repair; 30 messages readable\n")

        // --messages N keeps the first N (the daemon names N after abandoning a failed file).
        XCTAssertEqual(try CLI.run(["repair", p, "--messages", "12"]).status, 0)
        XCTAssertEqual(try RawFile.read(p).messages, Array(msgs.prefix(12)))
    }

    func testRepairFixesAnEndOfAllocationBehindTheObjectsAndClearsTheMark() throws {
        let (msgs, groups) = sampleMessages(20)
        let p = dir.appendingPathComponent("eoa.h5").path
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)])
        // What a writer that died mid-flush can leave: the mark set and a stored end of
        // allocation short of the objects it wrote.
        let size = (try FileManager.default.attributesOfItem(atPath: p)[.size] as! NSNumber).intValue
        try SuperblockFlags.rewrite(p, flags: 0x05, endOfAllocation: size - 512)
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
        let r = try CLI.run(["repair", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(p): cleared the SWMR writer mark (flags 0x5); end of allocation \(size - 512) -> \(size) (file size \(size)); 20 messages readable\n")
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
        let w = try RawFileWriter.openForAppend(p)
        try w.append(messages: [msgs[0]], ioGroups: [1])
        try w.close()
        XCTAssertEqual(try RawFile.read(p).messages, msgs + [msgs[0]])
        assertFailure(try CLI.run(["repair", dir.appendingPathComponent("none.h5").path]), status: 10,
                      subject: dir.appendingPathComponent("none.h5").path)
    }
}
