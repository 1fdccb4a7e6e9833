import Foundation
import Synchronization
import XCTest
@testable import LArPixIngest

final class WorkerThreadTests: XCTestCase {
    /// join() waits for the body, on a thread the kernel knows by the name (cut to 15 bytes),
    /// and returns again when asked again; a thread never spawned joins at once (a stop after a
    /// failed start).
    func testJoinWaitsForTheBodyOnItsNamedThreadAndCanBeRepeated() {
        WorkerThread().join()
        let t = WorkerThread()
        let seen = Mutex<(name: String?, done: Bool)>((nil, false))
        let go = DispatchSemaphore(value: 0)
        t.spawn(name: "larpix-rawd tester") {
            go.wait()
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            seen.withLock { $0 = (comm, true) }
        }
        XCTAssertFalse(seen.withLock { $0.done })
        go.signal()
        t.join()
        XCTAssertEqual(seen.withLock { $0.name }, "larpix-rawd tes")
        XCTAssertTrue(seen.withLock { $0.done })
        t.join()
    }
}
