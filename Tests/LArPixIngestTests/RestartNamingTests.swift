import Foundation
import Logging
import TestSupport
import XCTest
@testable import LArPixIngest
@testable import LArPixRaw

/// After a crash, `output.append` must not reopen the file the dead writer left marked open:
/// the namer treats it as taken and the daemon starts a new file.
final class RestartNamingTests: XCTestCase {
    func testAppendSkipsAFileTheNamerIsToldNotToReuse() {
        var n = FileNamer(pattern: "fixed.h5")
        let existing: Set<String> = ["/d/fixed.h5", "/d/fixed_1.h5"]
        XCTAssertEqual(n.next(in: "/d", allowExisting: true, reusable: { _ in true }, exists: existing.contains), "/d/fixed.h5")
        XCTAssertEqual(n.next(in: "/d", allowExisting: true, reusable: { _ in false }, exists: existing.contains), "/d/fixed_2.h5")
        var s = FileNamer(pattern: "r{seq}.h5")
        XCTAssertEqual(s.next(in: "/d", allowExisting: true, reusable: { $0 != "/d/r0000.h5" }, exists: { $0 == "/d/r0000.h5" }), "/d/r0001.h5")
        // Without append, reusable is never asked.
        var plain = FileNamer(pattern: "fixed.h5")
        XCTAssertEqual(plain.next(in: "/d", reusable: { _ in XCTFail("asked"); return true }, exists: existing.contains), "/d/fixed_2.h5")
    }

    func testTheDaemonRefusesAMarkedFileAndTakesAClosedOne() throws {
        let dir = TestSupport.temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = dir.appendingPathComponent("live.h5").path
        try RawFile.write(p, messages: [[0x44, 0, 0, 0, 0, 0, 0, 0]], headers: ["io_groups": [1]])
        let logger = Logger(label: "test")
        XCTAssertTrue(FileNamer.appendable(p, logger: logger))
        // What a killed SWMR writer leaves: flags 0x05 (open for writing, SWMR writing).
        let b = SuperblockFlags.readSuperblock(p)!
        try SuperblockFlags.rewrite(p, flags: 0x05, endOfAllocation: SuperblockFlags.endOfAllocation(b)!)
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
        XCTAssertFalse(FileNamer.appendable(p, logger: logger))
        var n = FileNamer(pattern: "live.h5")
        XCTAssertEqual(n.next(in: dir.path, allowExisting: true, reusable: { FileNamer.appendable($0, logger: logger) }),
                       dir.appendingPathComponent("live_1.h5").path)
        // The marked file still reads.
        XCTAssertEqual(try RawFile.count(p), 1)
    }
}
