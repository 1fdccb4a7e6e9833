import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// While a file is open for SWMR writing, the ordered driver's superblock claims
/// `SuperblockFlags.readerHeadroom` past HDF5's end of allocation, so that a reader that opened
/// the file earlier reaches the heap collections appended since; the closed file carries the
/// true one, and `repair` and `clear` take the headroom off a file a killed writer left.
final class ReaderHeadroomTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("headroom") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    private func storedEOA(_ p: String) -> Int? { SuperblockFlags.readSuperblock(p).flatMap(SuperblockFlags.endOfAllocation) }

    func testALiveFileClaimsHeadroomTheClosedFileDoesNot() throws {
        let msgs = Gen.messages(500, sizes: { 8 + 8 * ($0 % 40) })
        let live = path("live.h5")
        let w = try RawFileWriter.create(live)
        try w.append(messages: msgs, ioGroups: msgs.indices.map { UInt8($0 % 4) })
        try w.flush()
        let size = SuperblockFlags.fileSize(live)
        let stored = try XCTUnwrap(storedEOA(live))
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(live))
        XCTAssertGreaterThanOrEqual(stored, SuperblockFlags.readerHeadroom + size - 4096)
        XCTAssertLessThanOrEqual(stored, SuperblockFlags.readerHeadroom + size)
        // The writer goes on appending after the claim; its own view of the file is unchanged.
        try w.append(messages: msgs, ioGroups: msgs.indices.map { _ in 1 })
        try w.close()
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(live))
        XCTAssertEqual(storedEOA(live), SuperblockFlags.fileSize(live))
        XCTAssertEqual(try RawFile.read(live).messages, msgs + msgs)
    }

    /// A copy of a live file is what `kill -9` leaves: marked, claiming the headroom.
    func testRepairAndClearTakeTheHeadroomOffAKilledWritersFile() throws {
        let msgs = Gen.messages(300, sizes: { 16 + $0 % 100 })
        let live = path("live.h5"), repaired = path("repaired.h5"), cleared = path("cleared.h5")
        let w = try RawFileWriter.create(live)
        try w.append(messages: msgs, ioGroups: msgs.indices.map { _ in 2 })
        try w.flush()
        try FileManager.default.copyItem(atPath: live, toPath: repaired)
        try FileManager.default.copyItem(atPath: live, toPath: cleared)
        try w.close()
        let size = SuperblockFlags.fileSize(repaired)
        XCTAssertGreaterThan(try XCTUnwrap(storedEOA(repaired)), SuperblockFlags.readerHeadroom)

        let report = try RawFileRepair.repair(repaired)
        XCTAssertEqual(report.newEndOfAllocation, size)
        XCTAssertEqual(storedEOA(repaired), size)
        XCTAssertEqual(SuperblockFlags.fileSize(repaired), size, "repair must not extend the file by the headroom")
        XCTAssertTrue(try SuperblockFlags.clear(cleared))
        XCTAssertEqual(storedEOA(cleared), size)
        // Both open without SWMR (a stored EOA past the end would be a "truncated file") and append.
        for p in [repaired, cleared] {
            let a = try RawFileWriter.openForAppend(p)
            try a.append(messages: [msgs[0]], ioGroups: [7])
            try a.close()
            XCTAssertEqual(try RawFile.read(p).messages, msgs + [msgs[0]], p)
        }
    }
}
