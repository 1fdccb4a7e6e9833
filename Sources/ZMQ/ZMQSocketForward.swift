import CZMQ

extension ZMQOutgoingMessage {
    /// A frame that shares the buffer of a received frame instead of copying it (frames of up
    /// to 33 bytes, kept inside the zmq_msg_t, are copied). `message` stays valid and unchanged.
    public init(sharing message: ZMQMessage) throws(ZMQError) {
        count = message.count
        zmq_msg_init(&msg)
        if zmq_msg_copy(&msg, message.msg) != 0 { throw ZMQError.last("copy a frame") }
    }
}

extension ZMQSocket {
    /// Sends a received frame on without copying its bytes. Same blocking and result as
    /// `send(_ bytes:)`.
    @discardableResult
    public func send(_ message: ZMQMessage, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        var frame = try ZMQOutgoingMessage(sharing: message)
        return try send(&frame, more: more, dontWait: dontWait)
    }
}
