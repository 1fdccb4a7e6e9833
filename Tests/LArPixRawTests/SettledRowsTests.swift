@testable import LArPixRaw
import XCTest

/// Which rows a follower delivers (SettledRows): at once for larpix-rawd's driver and for a
/// closed file; for another writer, only rows that a longer extent seen later shows complete.
final class SettledRowsTests: XCTestCase {
    func testAnotherWritersRowsWaitForItsNextFlush() {
        var s = SettledRows()
        XCTAssertEqual(s.complete(visible: 10, writer: .other), 0, "the first extent seen may still be mid-flush")
        XCTAssertEqual(s.complete(visible: 10, writer: .other), 0, "no longer extent yet")
        XCTAssertEqual(s.complete(visible: 25, writer: .other), 10, "a longer extent: the flush that showed 10 is done")
        XCTAssertEqual(s.complete(visible: 25, writer: .other), 10)
        XCTAssertEqual(s.complete(visible: 40, writer: .other), 25)
        // Unequal dataset lengths or a reader's older view can show fewer rows: never more than visible.
        XCTAssertEqual(s.complete(visible: 20, writer: .other), 20)
        XCTAssertEqual(s.complete(visible: 40, writer: .other), 25)
        // The writer closed: everything visible is complete.
        XCTAssertEqual(s.complete(visible: 52, writer: .none), 52)
        XCTAssertEqual(s.complete(visible: 52, writer: .other), 52, "what was complete stays complete")
    }

    func testLarpixRawdsRowsAndClosedFilesAreCompleteAtOnce() {
        var s = SettledRows()
        XCTAssertEqual(s.complete(visible: 10, writer: .ordered), 10)
        XCTAssertEqual(s.complete(visible: 30, writer: .ordered), 30)
        var closed = SettledRows()
        XCTAssertEqual(closed.complete(visible: 7, writer: .none), 7)
    }
}
