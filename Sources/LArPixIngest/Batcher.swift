import Foundation

/// Accumulates messages from all receivers into batches bounded by count, bytes and age, and
/// hands sealed batches to the writer in order. Receivers add under a lock (uncontended in the
/// common case); the writer seals an aged batch when it wakes, so no timer thread is needed.
final class Batcher: @unchecked Sendable {
    struct Limits: Sendable {
        var maxMessages: Int
        var maxBytes: Int
        var maxAgeNanoseconds: UInt64
    }

    let limits: Limits
    private let lock = NSLock()
    private var current: Batch
    /// Sealed batches waiting for the writer, oldest first.
    private var sealed: [Batch] = []
    private let ready = NSCondition()
    /// Messages received per io_group, counted under the lock `add` takes anyway.
    private var receivedByIOGroup = [Int](repeating: 0, count: 256)
    /// Bytes and the arrival time (monotonic ns) of the last message per io_group, for metrics.
    private var receivedBytesByIOGroup = [Int](repeating: 0, count: 256)
    private var lastReceivedByIOGroup = [UInt64](repeating: 0, count: 256)
    private var finished = false

    init(limits: Limits) {
        self.limits = limits
        current = Batch(capacity: min(limits.maxMessages, 65536))
    }

    /// Adds a receiver's burst in its order; seals a batch whenever it reaches a count or byte bound.
    func add(_ burst: ReceivedBurst) {
        let payloads = burst.payloads, groups = burst.ioGroups
        lock.lock()
        var i = 0
        while i < payloads.count {
            // Only the first message of a batch needs the time (its age bound): no clock per message.
            if current.isEmpty { current.open(at: DispatchTime.now().uptimeNanoseconds) }
            current.keep(burst.slabs)
            let openedAt = current.openedAt
            while i < payloads.count {
                let g = Int(groups[i]), n = payloads[i].count
                current.add(payloads[i], ioGroup: groups[i])
                receivedByIOGroup[g] += 1
                receivedBytesByIOGroup[g] += n
                // The batch's opening time: at most `batch.max_age` old, and no clock read per message.
                lastReceivedByIOGroup[g] = openedAt
                i += 1
                if current.count >= limits.maxMessages || current.bytes >= limits.maxBytes {
                    sealLocked()
                    break
                }
            }
        }
        lock.unlock()
    }

    /// Seals the open batch if it is older than the age bound (or at all, with `force`).
    func sealIfDue(force: Bool = false) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        if !current.isEmpty && (force || now &- current.openedAt >= limits.maxAgeNanoseconds) { sealLocked() }
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

    /// No more messages will be added: the writer drains what is sealed and stops.
    func finish() {
        sealIfDue(force: true)
        ready.lock()
        finished = true
        ready.broadcast()
        ready.unlock()
    }

    /// Whether `finish()` was called (the daemon is stopping).
    var isFinishing: Bool {
        ready.lock(); defer { ready.unlock() }
        return finished
    }

    /// Wakes a waiting writer (a rotation request, a status tick).
    func wake() {
        ready.lock()
        ready.broadcast()
        ready.unlock()
    }

    enum Next { case batches([Batch]), timeout, finished }

    /// The writer's wait: every sealed batch, or `.timeout` after `seconds`, or `.finished`
    /// once `finish()` was called and all is drained.
    func next(timeout seconds: Double) -> Next {
        ready.lock()
        defer { ready.unlock() }
        if sealed.isEmpty && !finished {
            _ = ready.wait(until: Date(timeIntervalSinceNow: seconds))
        }
        if !sealed.isEmpty {
            let out = sealed
            sealed.removeAll(keepingCapacity: true)
            return .batches(out)
        }
        return finished ? .finished : .timeout
    }

    var messagesReceivedByIOGroup: [Int] {
        lock.lock(); defer { lock.unlock() }
        return receivedByIOGroup
    }

    /// Per io_group: messages and bytes received, and when the last one arrived (0: never).
    var receivedByIOGroupSnapshot: (messages: [Int], bytes: [Int], lastArrival: [UInt64]) {
        lock.lock(); defer { lock.unlock() }
        return (receivedByIOGroup, receivedBytesByIOGroup, lastReceivedByIOGroup)
    }

    /// Messages received but not yet sealed or written.
    var pendingMessages: Int {
        lock.lock(); defer { lock.unlock() }
        ready.lock(); defer { ready.unlock() }
        return current.count + sealed.reduce(0) { $0 + $1.count }
    }
}

