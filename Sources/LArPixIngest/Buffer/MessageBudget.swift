import Foundation
import Synchronization

/// The bounded buffer between the receivers and the writer, as a byte budget: a receiver takes
/// a message's bytes before handing it on, the writer gives them back once the message is in the
/// file. When the budget is spent, receivers wait (and stop reading their sockets, so ZeroMQ
/// holds and finally drops at the publisher): memory stays bounded and nothing is dropped here.
/// A message costs its payload plus `messageOverhead`, so that small messages are bounded by
/// what they really hold in memory, not by their payload alone.
// @unchecked Sendable: the count and the open flag are atomics; `condition` only waits and wakes.
final class MessageBudget: @unchecked Sendable {
    /// Memory a stored message holds besides its payload until its flush: its batch and burst
    /// slots, HDF5's hvl_t, global-heap object header and descriptor row, a slab's unused tail.
    /// An upper bound (measured at 24 B payloads, before payloads shared slabs), plus the 18
    /// bytes of its `MessageQuality` in the batch.
    static let messageOverhead = 210

    /// What `count` messages of `payloadBytes` in all cost the budget: the one unit in which the
    /// buffer is bounded and the size-triggered flush is measured.
    static func cost(messages count: Int, payloadBytes: Int) -> Int { payloadBytes + count * messageOverhead }

    let maxBytes: Int
    /// Waits and wake-ups only; the count itself is the atomic `stats.bufferBytes`, so that a
    /// take that needs no wait (nearly all of them) costs one compare-and-swap, not a lock.
    private let condition = NSCondition()
    private let open = Atomic<Bool>(true)
    private let stats: IngestStats

    init(stats: IngestStats) {
        maxBytes = stats.bufferMaxBytes
        self.stats = stats
    }

    var bytesInUse: Int { stats.bufferBytes.load(ordering: .relaxed) }

    /// Takes one message of `payloadBytes`, waiting while the budget is spent. A message larger
    /// than the whole budget is admitted when nothing else is buffered. After `close()` it never
    /// waits (a receiver that already holds a message at shutdown hands it on, to be drained to
    /// the file).
    func take(payloadBytes: Int) {
        let bytes = Self.cost(messages: 1, payloadBytes: payloadBytes)
        if tryTake(bytes: bytes) { return }
        condition.lock()
        defer { condition.unlock() }
        // `give` and `close` broadcast under the lock after changing the count: a wait that
        // starts after a failed try under the lock cannot miss them.
        let start = ProcessClock.nanoseconds
        while !tryTake(bytes: bytes) { condition.wait() }
        stats.blockedNanoseconds.wrappingAdd(Int(ProcessClock.nanoseconds &- start), ordering: .relaxed)
    }

    /// Takes one message of `payloadBytes` if that needs no wait (see `take`).
    @inline(__always)
    func tryTake(payloadBytes: Int) -> Bool { tryTake(bytes: Self.cost(messages: 1, payloadBytes: payloadBytes)) }

    @inline(__always)
    private func tryTake(bytes: Int) -> Bool {
        var used = stats.bufferBytes.load(ordering: .relaxed)
        while true {
            if used > 0 && used + bytes > maxBytes && open.load(ordering: .relaxed) { return false }
            let (done, now) = stats.bufferBytes.compareExchange(expected: used, desired: used + bytes, ordering: .acquiringAndReleasing)
            if done { return true }
            used = now
        }
    }

    /// Gives back `messages` messages holding `payloadBytes` in all.
    func give(messages: Int, payloadBytes: Int) {
        stats.bufferBytes.wrappingSubtract(Self.cost(messages: messages, payloadBytes: payloadBytes), ordering: .acquiringAndReleasing)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Stops all waiting (shutdown).
    func close() {
        open.store(false, ordering: .relaxed)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}
