import Dispatch
import Foundation
import Synchronization

/// SIGINT/SIGTERM turned into a flag that long-running commands (follow, publish) poll, and a
/// wait that returns early when a signal arrives. The signals are ignored at the process level
/// and delivered through dispatch sources on a background queue.
final class StopSignal: Sendable {
    static let shared = StopSignal()

    private let flag = Atomic<Int32>(0)
    private let wakeup = DispatchSemaphore(value: 0)
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs handlers for SIGINT and SIGTERM. Call once, from the main thread. `onStop` runs
    /// (on a background queue) at the first signal; a second signal exits at once (128 + signal),
    /// for when the work cannot notice the first (a send blocked on a stalled subscriber).
    func install(onStop: (@Sendable () -> Void)? = nil) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                if flag.exchange(sig, ordering: .sequentiallyConsistent) != 0 {
                    _exit(128 + sig)
                }
                wakeup.signal()
                onStop?()
            }
            source.resume()
            Self.sources.append(source)
        }
    }

    /// The signal that asked to stop, or nil.
    var received: Int32? {
        let s = flag.load(ordering: .sequentiallyConsistent)
        return s == 0 ? nil : s
    }

    var stopRequested: Bool { received != nil }

    /// Sleeps up to `seconds`; returns true (early) when a stop was requested.
    func wait(seconds: Double) -> Bool {
        if stopRequested { return true }
        _ = wakeup.wait(timeout: .now() + max(0, seconds))
        if stopRequested {
            wakeup.signal()  // keep later waits from sleeping
            return true
        }
        return false
    }
}
