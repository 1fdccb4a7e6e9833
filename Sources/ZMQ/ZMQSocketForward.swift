import CZMQ

extension ZMQSocket {
    /// Sends a received frame on, without copying its bytes: libzmq shares the frame's buffer
    /// (frames of up to 33 bytes, kept inside the zmq_msg_t, are copied). `message` itself is
    /// unchanged and stays valid. Same blocking and result as `send(_ bytes:)`.
    @discardableResult
    public func send(_ message: ZMQMessage, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("send")
        let copy = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(copy)
        // After a successful send the copy is empty and closing it is a no-op.
        defer { zmq_msg_close(copy); copy.deallocate() }
        if zmq_msg_copy(copy, message.msg) != 0 { throw ZMQError.last("copy a frame") }
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_msg_send(copy, h, flags) >= 0 { return true }
            let e = ZMQError.last("send")
            if e.isInterrupted { continue }
            if e.isTimeout { return false }
            throw e
        }
    }
}
