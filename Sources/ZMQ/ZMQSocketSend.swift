import CZMQ

extension ZMQSocket {
    /// Sends one frame (`more`: another frame of the same message follows). Blocks while the
    /// queue is full unless `dontWait`; returns false when the frame was not queued (EAGAIN:
    /// full with `dontWait`, or the send timeout passed). A PUB never blocks: at its high-water
    /// mark it drops and still returns true. Interrupted calls (EINTR) are retried.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("send")
        return try Self.sending(more: more, dontWait: dontWait) { zmq_send(h, bytes.baseAddress, bytes.count, $0) }
    }

    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        // Array.withUnsafeBytes only rethrows untyped errors: carry the typed one out in a Result.
        try bytes.withUnsafeBytes { p in
            Result { () throws(ZMQError) -> Bool in try send(p, more: more, dontWait: dontWait) }
        }.get()
    }

    /// The one send loop (bytes and messages): `call` with the flags, again when interrupted
    /// (EINTR); false when the queue stayed full (EAGAIN) or the send timeout passed.
    static func sending(more: Bool, dontWait: Bool, _ call: (Int32) -> Int32) throws(ZMQError) -> Bool {
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if call(flags) >= 0 { return true }
            let e = ZMQError.last("send")
            if e.isInterrupted { continue }
            if e.isTimeout { return false }
            throw e
        }
    }
}
