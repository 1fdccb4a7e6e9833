import CZMQ

/// One received frame, owning its zmq_msg_t. The bytes stay where libzmq put them for the
/// object's lifetime, so they can be handed on (to HDF5) without a copy.
public final class ZMQMessage: @unchecked Sendable {
    private var msg = zmq_msg_t()
    /// Start and length of the bytes, stable while the object lives.
    public let unsafeBytes: UnsafeRawBufferPointer
    /// More frames of the same message follow.
    public let more: Bool

    /// Receives the next frame from `socket`; nil when nothing arrives (non-blocking mode or a
    /// receive timeout).
    init?(receivingFrom socket: UnsafeMutableRawPointer, dontWait: Bool) throws(ZMQError) {
        zmq_msg_init(&msg)
        while true {
            if zmq_msg_recv(&msg, socket, dontWait ? ZMQ_DONTWAIT : 0) >= 0 { break }
            let e = ZMQError.last("receive")
            if e.isInterrupted { continue }
            zmq_msg_close(&msg)
            if e.isTimeout { return nil }
            throw e
        }
        unsafeBytes = UnsafeRawBufferPointer(start: zmq_msg_data(&msg), count: zmq_msg_size(&msg))
        more = zmq_msg_more(&msg) != 0
    }

    public var count: Int { unsafeBytes.count }

    /// A copy of the bytes (for tests and small frames).
    public var bytes: [UInt8] { Array(unsafeBytes) }

    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(unsafeBytes)
    }

    deinit { zmq_msg_close(&msg) }
}
