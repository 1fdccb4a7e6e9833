import CZMQ

/// A libzmq socket, closed exactly once (by `close()` or when released).
///
/// Not thread-safe: as with libzmq itself, one thread uses a socket (create it anywhere, then
/// hand it to the thread that sends or receives; `close()` belongs to that thread too).
// @unchecked Sendable only so that it can be handed over to the thread that uses it.
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
    /// Kept alive while the socket is: a context cannot terminate under an open socket.
    public let context: ZMQContext
    public let kind: Kind

    public init(context: ZMQContext = .shared, type: Kind) throws(ZMQError) {
        self.context = context
        kind = type
        guard let h = zmq_socket(context.pointer, type.raw) else { throw ZMQError.last("socket") }
        handle = h
    }

    deinit { close() }

    /// Closes the socket (pending outgoing messages are kept for the linger time). Idempotent.
    public func close() {
        if let h = handle { zmq_close(h) }
        handle = nil
    }

    public var isClosed: Bool { handle == nil }

    /// The libzmq handle, or the error libzmq itself gives for a closed socket.
    func open(_ operation: String, endpoint: String? = nil) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw ZMQError(operation: operation, endpoint: endpoint, errno: lrp_zmq_ENOTSOCK()) }
        return h
    }

    // MARK: Endpoints

    /// Binds, e.g. "tcp://127.0.0.1:*" for a free port (then read `lastEndpoint`).
    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(try open("bind", endpoint: endpoint), endpoint) != 0 { throw ZMQError.last("bind", endpoint: endpoint) }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        if zmq_unbind(try open("unbind", endpoint: endpoint), endpoint) != 0 { throw ZMQError.last("unbind", endpoint: endpoint) }
    }

    /// Connects; a TCP peer that is not there yet is retried in the background by libzmq.
    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(try open("connect", endpoint: endpoint), endpoint) != 0 { throw ZMQError.last("connect", endpoint: endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        if zmq_disconnect(try open("disconnect", endpoint: endpoint), endpoint) != 0 {
            throw ZMQError.last("disconnect", endpoint: endpoint)
        }
    }

    /// The endpoint last bound or connected, with the port filled in (after binding
    /// tcp://127.0.0.1:* it names the port chosen). nil when closed or never bound.
    public var lastEndpoint: String? {
        guard let h = handle else { return nil }
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0, size > 1 else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
