import TestSupport
import XCTest

/// The byte comparisons behind TestSupport's XCTAssertEqual overloads for messages: a wrong
/// "equal" there would make every message check in the suite pass.
final class ByteComparisonTests: XCTestCase {
    func testDifferencesAreFoundAndNamed() {
        XCTAssertNil(ByteComparison.firstDifference([UInt8](), []))
        XCTAssertNil(ByteComparison.firstDifference([1, 2, 3], [1, 2, 3]))
        XCTAssertEqual(ByteComparison.firstDifference([1, 2, 3], [1, 9, 3]), "3 and 3 bytes, first different at byte 1")
        XCTAssertEqual(ByteComparison.firstDifference([1, 2], [1, 2, 3]), "2 and 3 bytes, first different at byte 2")
        XCTAssertNil(ByteComparison.firstDifference([[1], [], [2, 3]], [[1], [], [2, 3]]))
        XCTAssertEqual(ByteComparison.firstDifference([[1], [], [2, 3]], [[1], [0], [2, 3]]),
                       "message 1 differs (0 and 1 bytes, first different at byte 0) of 3 and 3 messages")
        XCTAssertEqual(ByteComparison.firstDifference([[1]], [[1], []]), "1 and 2 messages (equal as far as the shorter goes)")
        XCTAssertFalse(ByteComparison.same([[UInt8](repeating: 7, count: 1 << 20)], [[UInt8](repeating: 7, count: (1 << 20) - 1) + [8]]))
    }
}
