import Foundation
import Synchronization

/// A named thread of the daemon's own (blocking work never runs in the cooperative pool) and
/// the wait for its end: `spawn` runs the body there once; `join()` returns when the body has
/// returned, at once if it was never spawned, and again as often as it is called.
package final class WorkerThread: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let spawned = Atomic<Bool>(false)

    package init() {}

    package func spawn(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let first = !spawned.exchange(true, ordering: .acquiringAndReleasing)
        precondition(first, "\(name): started twice")
        let done = self.done
        let t = Thread {
            body()
            done.signal()
        }
        t.name = name
        if let stackSize { t.stackSize = stackSize }
        t.start()
    }

    package func join() {
        guard spawned.load(ordering: .acquiring) else { return }
        done.wait()
        done.signal()  // for the next join
    }
}
