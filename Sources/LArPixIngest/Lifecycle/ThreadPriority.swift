#if canImport(Glibc)
import Glibc
#endif

/// The writer's head start on the CPU (config `writer_priority`). The writer is the one serial
/// stage of the data path and costs 2-3x a receiver per message; when the cores are shared the
/// kernel gives every runnable thread an equal share, so under load the writer waited for a CPU a
/// quarter of the time while the receivers ran ahead and filled the buffer with memory that went
/// cold before it was written (BENCHMARKS.md, "The writer's priority"). A few nice levels above
/// the other threads let it take a core when it has work and leave it when it has none.
///
/// On Linux the nice value is per thread, so the calling thread alone moves. Going below the
/// process's nice needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (the unit's LimitNICE=).
package enum ThreadPriority {
    /// What raising the calling thread came to.
    package enum Outcome: Equatable, Sendable {
        /// No boost asked, or none possible (already at -20): the thread stays where it is.
        case unchanged(nice: Int32)
        case raised(from: Int32, to: Int32)
        /// The kernel refused (`errno`): the thread stays at `nice`.
        case refused(nice: Int32, wanted: Int32, errno: Int32)
    }

    /// The nice value `boost` levels above `current`, within the kernel's range (-20 is the top).
    package static func target(current: Int32, boost: Int) -> Int32 {
        Int32(max(-20, min(19, Int(current) - boost)))
    }

    /// The calling thread's nice value.
    package static func currentNice() -> Int32 {
        #if canImport(Glibc)
        // Cannot fail for the caller itself, so -1 is a nice value here, not an error.
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return 0
        #endif
    }

    /// Raises the calling thread `boost` nice levels above where it is.
    package static func raiseCallingThread(by boost: Int) -> Outcome {
        let now = currentNice()
        let wanted = target(current: now, boost: boost)
        guard boost > 0, wanted != now else { return .unchanged(nice: now) }
        #if canImport(Glibc)
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, wanted) != 0 {
            return .refused(nice: now, wanted: wanted, errno: errno)
        }
        #endif
        return .raised(from: now, to: currentNice())
    }
}

extension ThreadPriority.Outcome {
    /// The nice value the thread runs at.
    package var nice: Int32 {
        switch self {
        case .unchanged(let n), .refused(let n, _, _): n
        case .raised(_, let to): to
        }
    }
}
