import CZMQ

/// One zmq_msg_t received into again and again: no allocation per frame. Its bytes are valid
/// until the next receive into it; a caller that keeps a frame copies its bytes first, or moves
/// it into a `ZMQMessage` with `takeMessage()`.
///
/// Like the socket it is used with, it belongs to one thread at a time.
public final class ZMQReceiveFrame {
    /// Its own allocation: libzmq keeps frames of up to 33 bytes inside the zmq_msg_t.
    let msg: UnsafeMutablePointer<zmq_msg_t>

    public init() {
        msg = .allocate(capacity: 1)
        zmq_msg_init(msg)
    }

    deinit {
        zmq_msg_close(msg)
        msg.deallocate()
    }

    /// The bytes of the frame last received (empty before the first).
    public var unsafeBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(msg), count: zmq_msg_size(msg))
    }

    /// More frames of the same multipart message follow this one.
    public var more: Bool { zmq_msg_more(msg) != 0 }

    /// Moves the frame into a message of its own (the rare multipart path); this one is empty after.
    public func takeMessage() -> ZMQMessage {
        let m = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(m)
        // The whole zmq_msg_t moves, its "more" flag with it; `msg` is left empty.
        zmq_msg_move(m, msg)
        return ZMQMessage(adopting: m)
    }
}
