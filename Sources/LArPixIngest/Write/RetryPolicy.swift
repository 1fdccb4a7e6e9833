/// What the writer does after an append it could not make (the disk short of space, or HDF5
/// failing): wait and try again, the wait doubling from `firstDelay` up to a cap (1 s when the
/// disk is full, to resume promptly once space is freed; 5 s after other failures); once the
/// daemon is stopping, only until the stop's deadline, then give up (what is left is counted
/// as `write_failed`). The deadline is one for the whole stop, not one per batch.
struct RetryPolicy: Sendable, Equatable {
    enum Failure: Equatable { case diskFull, writeFailed }
    enum Decision: Equatable { case retry(after: Double), giveUp }

    var firstDelay = 0.1
    var diskFullCap = 1.0
    var failureCap = 5.0

    /// `delay`: the wait that comes next; `secondsLeft`: until the stop's deadline (nil: not stopping).
    func decide(delay: Double, secondsLeft: Double?) -> Decision {
        guard let left = secondsLeft else { return .retry(after: delay) }
        return left <= 0 ? .giveUp : .retry(after: min(delay, left))
    }

    /// The wait after `delay`, for another failure of the same kind.
    func next(after delay: Double, _ failure: Failure) -> Double {
        min(delay * 2, failure == .diskFull ? diskFullCap : failureCap)
    }
}
