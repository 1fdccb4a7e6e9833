import Foundation
import Synchronization
import XCTest
@testable import LArPixIngest

final class WorkerThreadTests: XCTestCase {
    /// join() waits for the body, on a thread of the given name, and returns again when asked
    /// again; a thread never spawned joins at once (a stop after a failed start).
    func testJoinWaitsForTheBodyOnItsNamedThreadAndCanBeRepeated() {
        WorkerThread().join()
        let t = WorkerThread()
        let seen = Mutex<(name: String?, done: Bool)>((nil, false))
        let go = DispatchSemaphore(value: 0)
        t.spawn(name: "larpix-rawd test") {
            go.wait()
            seen.withLock { $0 = (Thread.current.name, true) }
        }
        XCTAssertFalse(seen.withLock { $0.done })
        go.signal()
        t.join()
        XCTAssertEqual(seen.withLock { $0.name }, "larpix-rawd test")
        XCTAssertTrue(seen.withLock { $0.done })
        t.join()
    }
}
