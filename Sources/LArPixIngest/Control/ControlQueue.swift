import Synchronization

/// Control commands waiting for the writer: any thread submits, the writer thread takes them
/// between batches, so a command acts on a file boundary that no message straddles. The reply
/// callback runs on the writer thread and must not block (the server hands it to its event loop).
final class ControlQueue: Sendable {
    struct Pending: Sendable {
        var request: ControlRequest
        var reply: @Sendable (ControlReply) -> Void
    }

    private let items = Mutex<(open: Bool, list: [Pending])>((true, []))
    /// Cheap for the writer to look at every turn of its loop.
    private let count = Atomic<Int>(0)

    var hasPending: Bool { count.load(ordering: .acquiring) > 0 }

    /// False when the queue is closed (the writer has ended): the caller replies itself.
    func submit(_ p: Pending) -> Bool {
        items.withLock { s in
            guard s.open else { return false }
            s.list.append(p)
            count.wrappingAdd(1, ordering: .releasing)
            return true
        }
    }

    func takeAll() -> [Pending] {
        items.withLock { s in
            defer { s.list = [] }
            count.store(0, ordering: .releasing)
            return s.list
        }
    }

    /// Closes the queue and returns what was still waiting.
    func close() -> [Pending] {
        items.withLock { s in
            s.open = false
            defer { s.list = [] }
            count.store(0, ordering: .releasing)
            return s.list
        }
    }
}
