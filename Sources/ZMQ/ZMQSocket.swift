import CZMQ

/// A libzmq socket, closed exactly once (by `close()` or when released).
/// Not thread-safe: as with libzmq itself, one thread at a time uses a socket.
public final class ZMQSocket: @unchecked Sendable {
    public enum Kind: Sendable {
        case pub, sub, pair, push, pull, req, rep
        var raw: Int32 {
            switch self {
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .pair: ZMQ_PAIR
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .req: ZMQ_REQ
            case .rep: ZMQ_REP
            }
        }
    }

    private var handle: UnsafeMutableRawPointer?
    /// Keeps the context alive while the socket is.
    public let context: ZMQContext

    public init(context: ZMQContext = .shared, type: Kind) throws(ZMQError) {
        self.context = context
        guard let h = zmq_socket(context.pointer, type.raw) else { throw ZMQError.last("socket") }
        handle = h
    }

    deinit { close() }

    public func close() {
        if let h = handle { zmq_close(h) }
        handle = nil
    }

    private func socket(_ op: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(operation: "\(op()) on a closed socket", errno: 88) }
        return h
    }

    // MARK: Endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(try socket("bind"), endpoint) != 0 { throw ZMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(try socket("connect"), endpoint) != 0 { throw ZMQError.last("connect \(endpoint)") }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        if zmq_disconnect(try socket("disconnect"), endpoint) != 0 { throw ZMQError.last("disconnect \(endpoint)") }
    }

    /// The endpoint last bound, with the port filled in (bind to tcp://127.0.0.1:* to get a free one).
    public var lastEndpoint: String? {
        var buf = [CChar](repeating: 0, count: 256)
        var size = buf.count
        guard let h = handle, zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buf, &size) == 0 else { return nil }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    // MARK: Options

    public func setOption(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var v = value
        if zmq_setsockopt(try socket("set \(name)"), option, &v, MemoryLayout<Int32>.size) != 0 {
            throw ZMQError.last("set \(name) \(value)")
        }
    }

    public func setOption64(_ option: Int32, _ value: Int64, _ name: String) throws(ZMQError) {
        var v = value
        if zmq_setsockopt(try socket("set \(name)"), option, &v, MemoryLayout<Int64>.size) != 0 {
            throw ZMQError.last("set \(name) \(value)")
        }
    }

    /// Messages queued per peer before ZeroMQ drops (PUB) or stops reading (SUB); 0 = no limit.
    public func setReceiveHighWaterMark(_ n: Int) throws(ZMQError) { try setOption(ZMQ_RCVHWM, Int32(clamping: n), "rcvhwm") }
    public func setSendHighWaterMark(_ n: Int) throws(ZMQError) { try setOption(ZMQ_SNDHWM, Int32(clamping: n), "sndhwm") }
    /// The kernel's socket receive buffer (SO_RCVBUF), bytes.
    public func setReceiveBufferSize(_ n: Int) throws(ZMQError) { try setOption(ZMQ_RCVBUF, Int32(clamping: n), "rcvbuf") }
    public func setSendBufferSize(_ n: Int) throws(ZMQError) { try setOption(ZMQ_SNDBUF, Int32(clamping: n), "sndbuf") }
    public func setLinger(_ milliseconds: Int) throws(ZMQError) { try setOption(ZMQ_LINGER, Int32(clamping: milliseconds), "linger") }
    public func setReceiveTimeout(_ milliseconds: Int) throws(ZMQError) { try setOption(ZMQ_RCVTIMEO, Int32(clamping: milliseconds), "rcvtimeo") }
    public func setSendTimeout(_ milliseconds: Int) throws(ZMQError) { try setOption(ZMQ_SNDTIMEO, Int32(clamping: milliseconds), "sndtimeo") }
    public func setImmediate(_ on: Bool) throws(ZMQError) { try setOption(ZMQ_IMMEDIATE, on ? 1 : 0, "immediate") }
    /// Largest message ZeroMQ accepts (bigger ones drop the connection); -1 = no limit.
    public func setMaxMessageSize(_ n: Int64) throws(ZMQError) { try setOption64(ZMQ_MAXMSGSIZE, n, "maxmsgsize") }

    public func setReconnectInterval(milliseconds: Int, maxMilliseconds: Int) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, Int32(clamping: milliseconds), "reconnect_ivl")
        try setOption(ZMQ_RECONNECT_IVL_MAX, Int32(clamping: maxMilliseconds), "reconnect_ivl_max")
    }

    /// SUB: receive messages starting with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZMQError) {
        let h = try socket("subscribe")
        let rc = prefix.withUnsafeBytes { zmq_setsockopt(h, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZMQError.last("subscribe") }
    }

    // MARK: Sending

    /// Sends one frame. Returns false when `dontWait` and the queue is full (the frame is not sent).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try socket("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_send(h, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
            let e = ZMQError.last("send")
            if e.isInterrupted { continue }
            if e.isTimeout { return false }
            throw e
        }
    }

    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try socket("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            let rc = bytes.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
            if rc >= 0 { return true }
            let e = ZMQError.last("send")
            if e.isInterrupted { continue }
            if e.isTimeout { return false }
            throw e
        }
    }

    // MARK: Receiving

    /// Waits up to `timeoutMilliseconds` (-1: forever) for the socket to be readable.
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        var item = zmq_pollitem_t(socket: try socket("poll"), fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        while true {
            let rc = zmq_poll(&item, 1, timeoutMilliseconds)
            if rc >= 0 { return rc > 0 }
            let e = ZMQError.last("poll")
            if e.isInterrupted { continue }
            throw e
        }
    }

    /// One frame, or nil when none arrives within the timeout.
    public func receiveMessage(timeoutMilliseconds: Int = -1) throws(ZMQError) -> ZMQMessage? {
        let h = try socket("receive")
        if let m = try ZMQMessage(receivingFrom: h, dontWait: true) { return m }
        guard try poll(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return try ZMQMessage(receivingFrom: h, dontWait: true)
    }

    /// All frames of the next message, or nil when none arrives within the timeout.
    public func receiveMultipart(timeoutMilliseconds: Int = -1) throws(ZMQError) -> [ZMQMessage]? {
        guard let first = try receiveMessage(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        var frames = [first]
        var last = first
        let h = try socket("receive")
        // The remaining frames of a message arrive together with the first.
        while last.more, let next = try ZMQMessage(receivingFrom: h, dontWait: false) {
            frames.append(next)
            last = next
        }
        return frames
    }
}
