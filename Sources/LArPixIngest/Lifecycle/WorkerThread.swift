import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A named thread of the daemon's own (blocking work never runs in the cooperative pool) and
/// the wait for its end: `spawn` runs the body there once; `join()` returns when the body has
/// returned, at once if it was never spawned, and again as often as it is called. The name is
/// the kernel's too (cut to 15 bytes: `top -H`, perf, /proc/PID/task/*/comm, what bench/suite.py
/// splits the daemon's CPU by): Foundation hands the whole name to pthread_setname_np, which
/// refuses a longer one, so each thread kept the name of whatever started it.
package final class WorkerThread: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let spawned = Atomic<Bool>(false)

    package init() {}

    package func spawn(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let first = !spawned.exchange(true, ordering: .acquiringAndReleasing)
        precondition(first, "\(name): started twice")
        let done = self.done
        let t = Thread {
            Self.setKernelName(name)
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

    /// Through /proc: Swift's Glibc module has no pthread_setname_np (a GNU extension), and
    /// prctl is variadic.
    private static func setKernelName(_ name: String) {
        #if canImport(Glibc)
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        _ = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, min($0.count - 1, 15)) }
        close(fd)
        #endif
    }
}
