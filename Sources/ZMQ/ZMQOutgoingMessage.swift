import CZMQ

/// A frame to send, built in place in libzmq's own buffer (no copy on send). Noncopyable, so
/// its zmq_msg_t is closed exactly once; after a successful send it is empty.
///
/// Unlike `send(_ bytes:)`, a send that cannot go out now (EAGAIN) leaves the frame intact, so
/// the caller can retry the same bytes: what a generator that must not run twice needs.
public struct ZMQOutgoingMessage: ~Copyable {
    var msg = zmq_msg_t()
    public let count: Int

    public init(count: Int) throws(ZMQError) {
        self.count = count
        if zmq_msg_init_size(&msg, count) != 0 { throw ZMQError.last("allocate a \(count)-byte message") }
    }

    /// The frame's bytes, to fill before sending.
    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        // Asked for each time: libzmq keeps frames of up to 33 bytes inside the zmq_msg_t,
        // which moves with this struct.
        body(UnsafeMutableRawBufferPointer(start: zmq_msg_data(&msg), count: count))
    }

    deinit {
        // A bitwise copy of a zmq_msg_t is the same message (libzmq moves them so); close it once.
        var m = msg
        zmq_msg_close(&m)
    }
}

extension ZMQSocket {
    /// Sends `message` (`more`: another frame follows). Blocks while the queue is full unless
    /// `dontWait`. true: libzmq took it (the message is now empty); false (EAGAIN: full with
    /// `dontWait`, or the send timeout passed): nothing was sent and `message` is unchanged.
    @discardableResult
    public func send(_ message: inout ZMQOutgoingMessage, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("send")
        return try Self.sending(more: more, dontWait: dontWait) { zmq_msg_send(&message.msg, h, $0) }
    }

    /// Sends a frame of `count` bytes that `fill` writes straight into libzmq's buffer. Same
    /// blocking and result as `send(_ bytes:)`; when not sent, the frame is discarded.
    @discardableResult
    public func send(count: Int, more: Bool = false, dontWait: Bool = false,
                     fill: (UnsafeMutableRawBufferPointer) -> Void) throws(ZMQError) -> Bool {
        var message = try ZMQOutgoingMessage(count: count)
        message.withUnsafeMutableBytes(fill)
        return try send(&message, more: more, dontWait: dontWait)
    }
}
