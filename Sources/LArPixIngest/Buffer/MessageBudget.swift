import Foundation
import Synchronization

/// The bounded buffer between the receivers and the writer, as a byte budget: a receiver takes
/// a message's bytes before handing it on, the writer gives them back once the message is in the
/// file. When the budget is spent, receivers wait (and stop reading their sockets, so ZeroMQ
/// holds and finally drops at the publisher): memory stays bounded and nothing is dropped here.
/// A message costs its payload plus `messageOverhead`, so that small messages are bounded by
/// what they really hold in memory, not by their payload alone.
// @unchecked Sendable: all state is under `condition`.
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
    private let condition = NSCondition()
    private var used = 0
    private var open = true
    private let stats: IngestStats

    init(stats: IngestStats) {
        maxBytes = stats.bufferMaxBytes
        self.stats = stats
    }

    var bytesInUse: Int {
        condition.lock(); defer { condition.unlock() }
        return used
    }

    /// Takes one message of `payloadBytes`, waiting while the budget is spent. A message larger
    /// than the whole budget is admitted when nothing else is buffered. After `close()` it never
    /// waits (a receiver that already holds a message at shutdown hands it on, to be drained to
    /// the file).
    func take(payloadBytes: Int) {
        let bytes = Self.cost(messages: 1, payloadBytes: payloadBytes)
        condition.lock()
        defer { condition.unlock() }
        if mustWaitLocked(bytes) {
            let start = ProcessClock.nanoseconds
            while mustWaitLocked(bytes) { condition.wait() }
            stats.blockedNanoseconds.wrappingAdd(Int(ProcessClock.nanoseconds &- start), ordering: .relaxed)
        }
        used += bytes
        stats.bufferBytes.store(used, ordering: .relaxed)
    }

    /// Takes one message of `payloadBytes` if that needs no wait (see `take`).
    func tryTake(payloadBytes: Int) -> Bool {
        let bytes = Self.cost(messages: 1, payloadBytes: payloadBytes)
        condition.lock()
        defer { condition.unlock() }
        if mustWaitLocked(bytes) { return false }
        used += bytes
        stats.bufferBytes.store(used, ordering: .relaxed)
        return true
    }

    private func mustWaitLocked(_ bytes: Int) -> Bool { open && used > 0 && used + bytes > maxBytes }

    /// Gives back `messages` messages holding `payloadBytes` in all.
    func give(messages: Int, payloadBytes: Int) {
        condition.lock()
        used -= Self.cost(messages: messages, payloadBytes: payloadBytes)
        stats.bufferBytes.store(used, ordering: .relaxed)
        condition.broadcast()
        condition.unlock()
    }

    /// Stops all waiting (shutdown).
    func close() {
        condition.lock()
        open = false
        condition.broadcast()
        condition.unlock()
    }
}
