import CZMQ

/// A failed libzmq call: the operation (naming the endpoint where there is one), errno and text.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let errno: Int32

    public var description: String { "zmq \(operation): \(String(cString: zmq_strerror(errno)))" }

    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(operation: operation(), errno: zmq_errno())
    }

    public var isTimeout: Bool { errno == lrp_zmq_EAGAIN() }
    public var isInterrupted: Bool { errno == lrp_zmq_EINTR() }
    public var isTerminated: Bool { errno == lrp_zmq_ETERM() }
}
