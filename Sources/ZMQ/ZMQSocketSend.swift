import CZMQ

extension ZMQSocket {
    /// Sends one frame (`more`: another frame of the same message follows). Blocks while the
    /// queue is full unless `dontWait`; returns false when the frame was not queued (EAGAIN:
    /// full with `dontWait`, or the send timeout passed). A PUB never blocks: at its high-water
    /// mark it drops and still returns true. Interrupted calls (EINTR) are retried.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try open("send")
        let flags = Self.sendFlags(more: more, dontWait: dontWait)
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
        // Array.withUnsafeBytes only rethrows untyped errors: carry the typed one out in a Result.
        try bytes.withUnsafeBytes { p in
            Result { () throws(ZMQError) -> Bool in try send(p, more: more, dontWait: dontWait) }
        }.get()
    }

    private static func sendFlags(more: Bool, dontWait: Bool) -> Int32 {
        (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
    }
}
