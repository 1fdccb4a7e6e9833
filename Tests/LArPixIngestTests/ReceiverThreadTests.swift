import XCTest
@testable import LArPixIngest

/// Which thread reads which source (receive.threads).
final class ReceiverThreadTests: XCTestCase {
    func testSourcesAreDealtInTurnAndNoThreadIsIdle() {
        XCTAssertEqual(ReceiverThread.assignment(sources: 8, threads: 1), [[0, 1, 2, 3, 4, 5, 6, 7]])
        XCTAssertEqual(ReceiverThread.assignment(sources: 8, threads: 3), [[0, 3, 6], [1, 4, 7], [2, 5]])
        XCTAssertEqual(ReceiverThread.assignment(sources: 3, threads: 8), [[0], [1], [2]], "at most one thread per source")
        XCTAssertEqual(ReceiverThread.assignment(sources: 1, threads: 1), [[0]])
        XCTAssertEqual(ReceiverThread.assignment(sources: 0, threads: 2), [], "no source, no thread")
        for n in 1...9 {
            for t in 1...10 {
                let a = ReceiverThread.assignment(sources: n, threads: t)
                XCTAssertEqual(a.flatMap { $0 }.sorted(), Array(0..<n), "every source once (\(n) on \(t))")
                XCTAssertEqual(a.count, min(n, t))
                XCTAssertLessThanOrEqual(a.map(\.count).max()! - a.map(\.count).min()!, 1, "shared evenly (\(n) on \(t))")
            }
        }
    }

    /// A socket is polled only once a read found it empty; one that gave some is read again first.
    func testAReadSaysWhetherTheSocketIsReadAgainOrPolled() {
        XCTAssertEqual(ReceiverThread.Queue(afterTaking: SourceReceiver.burstLimit), .full)
        XCTAssertEqual(ReceiverThread.Queue(afterTaking: 1), .unknown)
        XCTAssertEqual(ReceiverThread.Queue(afterTaking: SourceReceiver.burstLimit - 1), .unknown)
        XCTAssertEqual(ReceiverThread.Queue(afterTaking: 0), .empty)
    }
}
