import Synchronization
import XCTest
@testable import LArPixIngest

/// The choice of output place (output.directories), driven with an injected free-space function.
final class OutputPlacesTests: XCTestCase {
    /// Free bytes per directory, changed by the test.
    final class Disks: Sendable {
        let free = Mutex<[String: Int]>([:])
        func set(_ d: String, _ n: Int) { free.withLock { $0[d] = n } }
        var function: @Sendable (String) -> Int? { { [self] d in free.withLock { $0[d] } } }
    }

    let mb = 1 << 20

    func testLeavesAPlaceBelowMinFreeForTheNextWithRoomAndComesBackWithAMargin() {
        let disks = Disks()
        for d in ["/a", "/b", "/c"] { disks.set(d, 100 * mb) }
        var p = OutputPlaces(directories: ["/a", "/b", "/c"], minFreeBytes: 10 * mb, returnToFirst: true, free: disks.function)
        XCTAssertNil(p.check(), "room everywhere: stay in the first")
        disks.set("/a", 9 * mb)
        XCTAssertEqual(p.check(), .init(from: 0, to: 1, reason: .lowSpace))
        p.take(p.check()!)
        XCTAssertEqual(p.activeDirectory, "/b")
        XCTAssertNil(p.check(), "/b has room")
        // Back only with min_free_bytes plus the margin (half of it), so that it does not flap.
        disks.set("/a", 14 * mb)
        XCTAssertNil(p.check())
        disks.set("/a", 15 * mb)
        XCTAssertEqual(p.check(), .init(from: 1, to: 0, reason: .spaceBack))
        // Skips a place without room, wraps around to one before the active place.
        p.take(.init(from: 1, to: 2, reason: .lowSpace))
        disks.set("/a", 1 * mb)
        disks.set("/b", 1 * mb)
        disks.set("/c", 1 * mb)
        XCTAssertNil(p.check(), "no place has room: stay (the full-disk hold applies)")
        disks.set("/b", 50 * mb)
        XCTAssertEqual(p.check(), .init(from: 2, to: 1, reason: .lowSpace))
    }

    func testAWriteThatDoesNotFitGoesWhereItFits() {
        let disks = Disks()
        disks.set("/a", 5 * mb)
        disks.set("/b", 12 * mb)
        disks.set("/c", 30 * mb)
        let p = OutputPlaces(directories: ["/a", "/b", "/c"], minFreeBytes: 10 * mb, returnToFirst: false, free: disks.function)
        XCTAssertEqual(p.afterShortage(needed: 1 * mb), .init(from: 0, to: 1, reason: .noSpace))
        XCTAssertEqual(p.afterShortage(needed: 8 * mb), .init(from: 0, to: 2, reason: .noSpace), "/b is short of min_free + the write")
        XCTAssertNil(p.afterShortage(needed: 40 * mb))
    }

    func testWithoutReturnToFirstItStaysAndOnePlaceNeverMoves() {
        let disks = Disks()
        disks.set("/a", 100 * mb)
        disks.set("/b", 100 * mb)
        var p = OutputPlaces(directories: ["/a", "/b"], minFreeBytes: 10 * mb, returnToFirst: false, free: disks.function)
        p.take(.init(from: 0, to: 1, reason: .lowSpace))
        XCTAssertNil(p.check(), "return_to_first: false stays in /b")
        let one = OutputPlaces(directories: ["/a"], minFreeBytes: 10 * mb, returnToFirst: true, free: { _ in 0 })
        XCTAssertNil(one.check())
        XCTAssertNil(one.afterShortage(needed: 1))
        // min_free_bytes 0: only a write that does not fit moves; unknown free space is room.
        let zero = OutputPlaces(directories: ["/a", "/b"], minFreeBytes: 0, returnToFirst: true, free: { $0 == "/a" ? 0 : nil })
        XCTAssertNil(zero.check())
        XCTAssertEqual(zero.afterShortage(needed: 1), .init(from: 0, to: 1, reason: .noSpace))
    }

    func testMoveReasonsAreTheMetricLabelsAndTheCloseReasonSaysWhy() {
        XCTAssertEqual(OutputPlaces.MoveReason.allCases.map(\.rawValue), ["low_space", "no_space", "space_back"])
        XCTAssertEqual("\(CloseReason.moved(.lowSpace))", "rotation: moving to another output place (below min_free_bytes)")
        XCTAssertTrue(CloseReason.moved(.noSpace).isRotation)
    }
}
