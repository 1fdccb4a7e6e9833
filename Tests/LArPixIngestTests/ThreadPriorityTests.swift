import Foundation
import Synchronization
import XCTest
@testable import LArPixIngest

/// The writer's nice levels above the rest of the daemon (writer_priority).
final class ThreadPriorityTests: XCTestCase {
    func testTargetIsBoostLevelsUpWithinTheKernelsRange() {
        XCTAssertEqual(ThreadPriority.target(current: 0, boost: 5), -5)
        XCTAssertEqual(ThreadPriority.target(current: 10, boost: 5), 5)
        XCTAssertEqual(ThreadPriority.target(current: -18, boost: 5), -20)
        XCTAssertEqual(ThreadPriority.target(current: 3, boost: 0), 3)
    }

    func testNoBoostLeavesTheThreadAlone() {
        let outcome = onFreshThread { (ThreadPriority.raiseCallingThread(by: 0), ThreadPriority.currentNice()) }
        XCTAssertEqual(outcome.0, .unchanged(nice: outcome.1))
    }

    /// The calling thread moves and no other: Linux keeps nice per thread, and the receivers must
    /// stay where they are. Allowed as root (CAP_SYS_NICE, as in CI) or under an RLIMIT_NICE that
    /// reaches the target (the unit's LimitNICE=-5); refused otherwise, the thread unmoved.
    func testRaisesTheCallingThreadOnly() {
        let before = ThreadPriority.currentNice()
        let (outcome, after) = onFreshThread { (ThreadPriority.raiseCallingThread(by: 2), ThreadPriority.currentNice()) }
        XCTAssertEqual(ThreadPriority.currentNice(), before, "the test's own thread moved too")
        let wanted = ThreadPriority.target(current: before, boost: 2)
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_NICE.rawValue), &limit)
        if geteuid() == 0 || 20 - Int(limit.rlim_cur) <= Int(wanted) {
            XCTAssertEqual(outcome, .raised(from: before, to: wanted))
            XCTAssertEqual(after, wanted)
        } else {
            XCTAssertEqual(outcome, .refused(nice: before, wanted: wanted, errno: EACCES))
            XCTAssertEqual(after, before)
        }
        XCTAssertEqual(outcome.nice, after)
    }

    private func onFreshThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            result.withLock { $0 = body() }
            done.signal()
        }
        t.start()
        done.wait()
        return result.withLock { $0! }
    }
}
