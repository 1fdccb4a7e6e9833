import Foundation
import Synchronization

/// Accumulates messages from all receivers into batches bounded by count, bytes and age, and
/// hands sealed batches to the writer in order. Receivers add under a lock (uncontended in the
/// common case); the writer seals an aged batch when it wakes, so no timer thread is needed.
// @unchecked Sendable: the open batch is under `lock`, the sealed ones and the flags under
// `ready` (two locks so that the writer's wait never blocks a receiver's add).
final class Batcher: @unchecked Sendable {
    struct Limits: Sendable {
        var maxMessages: Int
        var maxBytes: Int
        var maxAge: Duration
    }

    let limits: Limits
    /// `limits.maxAge` as ProcessClock nanoseconds (batch ages are compared in those).
    private let maxAgeNanoseconds: UInt64
    private let lock = NSLock()
    private var current: Batch
    /// Sealed batches waiting for the writer, oldest first.
    private var sealed: [Batch] = []
    private let ready = NSCondition()
    private var finished = false
    /// The end of the stop's one budget, given to `finish(deadline:)`.
    private var stopDeadline: ContinuousClock.Instant?
    /// ProcessClock time of the last burst added: when the input went idle (one clock read per burst).
    private let lastArrival = Atomic<UInt64>(ProcessClock.nanoseconds)

    init(limits: Limits) {
        self.limits = limits
        maxAgeNanoseconds = UInt64(max(0, limits.maxAge.nanoseconds))
        current = Batch(capacity: min(limits.maxMessages, 65536))
    }

    /// Adds a receiver's burst in its order; seals a batch whenever it reaches a count or byte bound.
    func add(_ burst: ReceivedBurst) {
        lastArrival.store(ProcessClock.nanoseconds, ordering: .relaxed)
        lock.lock()
        var i = 0
        while i < burst.count {
            // Only the first message of a batch needs the time (its age bound): no clock per message.
            if current.isEmpty { current.open(at: ProcessClock.nanoseconds) }
            current.keep(burst.owners)
            i += current.add(burst, from: i, maxMessages: limits.maxMessages, maxBytes: limits.maxBytes)
            if current.count >= limits.maxMessages || current.bytes >= limits.maxBytes { sealLocked() }
        }
        lock.unlock()
    }

    /// Whether messages wait in the open (unsealed) batch.
    var hasOpenBatch: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !current.isEmpty
    }

    /// Seconds since the last burst arrived.
    var secondsSinceInput: Double {
        Double(ProcessClock.nanoseconds &- lastArrival.load(ordering: .relaxed)) / 1e9
    }

    /// Seals the open batch if it is older than the age bound (or at all, with `force`).
    func sealIfDue(force: Bool = false) {
        let now = ProcessClock.nanoseconds
        lock.lock()
        if !current.isEmpty && (force || now &- current.openedAt >= maxAgeNanoseconds) { sealLocked() }
        lock.unlock()
    }

    private func sealLocked() {
        let b = current
        current = Batch(capacity: min(limits.maxMessages, 65536))
        ready.lock()
        sealed.append(b)
        ready.signal()
        ready.unlock()
    }

    /// No more messages will be added: the writer drains what is sealed and stops, writing
    /// (and retrying) until `deadline`, the end of the whole stop's budget.
    func finish(deadline: ContinuousClock.Instant) {
        sealIfDue(force: true)
        ready.lock()
        finished = true
        stopDeadline = deadline
        ready.broadcast()
        ready.unlock()
    }

    /// Whether `finish()` was called (the daemon is stopping).
    var isFinishing: Bool {
        ready.lock(); defer { ready.unlock() }
        return finished
    }

    /// Seconds left until the stop's deadline (nil while not stopping; negative once past).
    var secondsLeftToStop: Double? {
        ready.lock(); defer { ready.unlock() }
        return stopDeadline.map { (ContinuousClock.now.duration(to: $0)).inSeconds }
    }

    /// Wakes a waiting writer (a rotation request, a status tick).
    func wake() {
        ready.lock()
        ready.broadcast()
        ready.unlock()
    }

    /// Seals the open batch and returns every sealed batch, without waiting (a timed flush's
    /// drain: what was received by now goes into it).
    func sealAndTakeAll() -> [Batch] {
        sealIfDue(force: true)
        ready.lock()
        defer { ready.unlock() }
        return takeSealedLocked()
    }

    /// Every sealed batch, oldest first, leaving none (under `ready`).
    private func takeSealedLocked() -> [Batch] {
        let out = sealed
        sealed.removeAll(keepingCapacity: true)
        return out
    }

    enum Next { case batches([Batch]), timeout, finished }

    /// The writer's wait: every sealed batch, or `.timeout` after `seconds`, or `.finished`
    /// once `finish()` was called and all is drained.
    func next(timeout seconds: Double) -> Next {
        ready.lock()
        defer { ready.unlock() }
        if sealed.isEmpty && !finished {
            // NSCondition takes only a Date; the wait is one tick at most and its caller re-reads the clock.
            _ = ready.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        if !sealed.isEmpty { return .batches(takeSealedLocked()) }
        return finished ? .finished : .timeout
    }
}
