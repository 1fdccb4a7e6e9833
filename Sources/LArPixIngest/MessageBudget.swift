import Foundation
import Synchronization

/// The bounded buffer between the receivers and the writer, as a byte budget: a receiver takes
/// a message's bytes before handing it on, the writer gives them back once the message is in the
/// file. When the budget is spent, receivers wait (and stop reading their sockets, so ZeroMQ
/// holds and finally drops at the publisher): memory stays bounded and nothing is dropped here.
final class MessageBudget: @unchecked Sendable {
    let maxBytes: Int
    private let condition = NSCondition()
    private var used = 0
    private var open = true
    private let stats: IngestStats

    init(maxBytes: Int, stats: IngestStats) {
        self.maxBytes = maxBytes
        self.stats = stats
    }

    var bytesInUse: Int {
        condition.lock(); defer { condition.unlock() }
        return used
    }

    /// Takes `bytes`, waiting while the budget is spent. A message larger than the whole budget
    /// is admitted when nothing else is buffered. After `close()` it never waits (a receiver that
    /// already holds a message at shutdown hands it on, to be drained to the file).
    func take(_ bytes: Int) {
        condition.lock()
        defer { condition.unlock() }
        if open && used > 0 && used + bytes > maxBytes {
            let start = DispatchTime.now().uptimeNanoseconds
            while open && used > 0 && used + bytes > maxBytes { condition.wait() }
            stats.blockedNanoseconds.wrappingAdd(Int(DispatchTime.now().uptimeNanoseconds - start), ordering: .relaxed)
        }
        used += bytes
    }

    func give(_ bytes: Int) {
        condition.lock()
        used -= bytes
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
