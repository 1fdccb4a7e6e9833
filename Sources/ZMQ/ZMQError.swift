import CZMQ

/// A failed libzmq call: the operation and endpoint, errno and libzmq's text for it,
/// e.g. "zmq connect tcp://bad:x: Invalid argument".
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was attempted: "connect", "bind", "send", "set sndhwm 100", ...
    public let operation: String
    /// The endpoint involved, when there is one.
    public let endpoint: String?
    public let errno: Int32

    public init(operation: String, endpoint: String? = nil, errno: Int32) {
        self.operation = operation
        self.endpoint = endpoint
        self.errno = errno
    }

    /// zmq_strerror's text for `errno`.
    public var message: String { String(cString: zmq_strerror(errno)) }

    public var description: String {
        "zmq \(operation)\(endpoint.map { " " + $0 } ?? ""): \(message)"
    }

    /// The error libzmq just reported (zmq_errno) for `operation`.
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        ZMQError(operation: operation, endpoint: endpoint, errno: zmq_errno())
    }

    /// EAGAIN: nothing to receive, or a non-blocking send found the queue full.
    public var isTimeout: Bool { errno == lrp_zmq_EAGAIN() }
    /// EINTR: a signal interrupted the call (the wrapper retries these itself).
    public var isInterrupted: Bool { errno == lrp_zmq_EINTR() }
    /// ETERM: the context is shutting down; the socket should be closed.
    public var isTerminated: Bool { errno == lrp_zmq_ETERM() }
}
