import CZMQ

/// Waits for input on several sockets at once (zmq_poll), so that one thread serves them. The
/// poll items are allocated once; the sockets must stay open while it is used, and like them it
/// belongs to one thread.
public final class ZMQPoller {
    private let items: UnsafeMutablePointer<zmq_pollitem_t>
    public let count: Int

    public init(_ sockets: [ZMQSocket]) throws(ZMQError) {
        count = sockets.count
        items = .allocate(capacity: max(1, sockets.count))
        for (i, s) in sockets.enumerated() {
            do {
                items[i] = zmq_pollitem_t(socket: try s.open("poll"), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            } catch {
                items.deallocate()
                throw error
            }
        }
    }

    deinit { items.deallocate() }

    /// Waits up to `timeoutMilliseconds` (-1: forever, 0: just check) until a socket has a message:
    /// true when one has (see `isReadable`), false on timeout or an interrupted wait (EINTR; the
    /// caller's loop polls again).
    public func wait(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        try Self.poll(items, count, timeoutMilliseconds) ?? false
    }

    /// One zmq_poll over `count` items: true when one is ready, false timed out, nil interrupted
    /// (EINTR). The one call for this poller and a socket's own wait (ZMQSocket.poll).
    static func poll(_ items: UnsafeMutablePointer<zmq_pollitem_t>, _ count: Int, _ timeoutMilliseconds: Int) throws(ZMQError) -> Bool? {
        let rc = zmq_poll(items, Int32(count), timeoutMilliseconds)
        if rc >= 0 { return rc > 0 }
        let e = ZMQError.last("poll")
        if e.isInterrupted { return nil }
        throw e
    }

    /// Whether socket `index` had a message at the last `wait`.
    public func isReadable(_ index: Int) -> Bool {
        items[index].revents & Int16(ZMQ_POLLIN) != 0
    }
}
