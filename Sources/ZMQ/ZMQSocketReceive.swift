import CZMQ

extension ZMQSocket {
    /// Waits up to `timeoutMilliseconds` (-1: forever, 0: just check) for a message to read.
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        let h = try open("poll")
        while true {
            if let ready = try Self.pollOnce(h, timeoutMilliseconds) { return ready }
        }
    }

    /// The next frame, or nil when none arrives within `timeoutMilliseconds` (-1: wait forever,
    /// 0: only what is already queued). Waits with zmq_poll; interrupted waits (EINTR) resume
    /// with the time that is left.
    public func receiveMessage(timeoutMilliseconds: Int = -1) throws(ZMQError) -> ZMQMessage? {
        let h = try open("receive")
        let m = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        zmq_msg_init(m)
        guard try Self.receive(h, into: m, timeoutMilliseconds: timeoutMilliseconds) else {
            zmq_msg_close(m)
            m.deallocate()
            return nil
        }
        return ZMQMessage(adopting: m)
    }

    /// Receives the next frame into `frame` (its previous bytes are released): true, or false
    /// when none arrives within `timeoutMilliseconds` (-1: wait forever, 0: only what is queued).
    /// The receiver's hot path: no allocation per frame.
    public func receive(into frame: ZMQReceiveFrame, timeoutMilliseconds: Int = -1) throws(ZMQError) -> Bool {
        try Self.receive(try open("receive"), into: frame.msg, timeoutMilliseconds: timeoutMilliseconds)
    }

    private static func receive(_ h: UnsafeMutableRawPointer, into m: UnsafeMutablePointer<zmq_msg_t>,
                                timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        // A queued frame is taken without touching the clock (the hot path under load: an
        // optional clock instant here cost more per frame than the receive itself).
        if try receiveFrame(h, into: m, flags: ZMQ_DONTWAIT) { return true }
        return try receiveWaiting(h, into: m, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Nothing was queued: waits with zmq_poll until a frame comes or the timeout ends.
    @inline(never)
    private static func receiveWaiting(_ h: UnsafeMutableRawPointer, into m: UnsafeMutablePointer<zmq_msg_t>,
                                       timeoutMilliseconds: Int) throws(ZMQError) -> Bool {
        let clock = ContinuousClock()
        let end = timeoutMilliseconds >= 0 ? clock.now + .milliseconds(timeoutMilliseconds) : nil
        while true {
            var wait = -1
            if let end {
                wait = millisecondsRoundedUp(end - clock.now)
                if wait <= 0 { return false }
            }
            _ = try pollOnce(h, wait)
            if try receiveFrame(h, into: m, flags: ZMQ_DONTWAIT) { return true }
        }
    }

    /// All frames of the next message, or nil when none arrives within `timeoutMilliseconds`.
    /// libzmq delivers a multipart message whole, so once the first frame is here the rest are.
    public func receiveMultipart(timeoutMilliseconds: Int = -1) throws(ZMQError) -> [ZMQMessage]? {
        guard let first = try receiveMessage(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        if !first.more { return [first] }
        return try receiveRest(of: first)
    }

    /// `first` and the frames that follow it in its multipart message (already queued). With
    /// `receiveMessage` this is the single-frame fast path: no array unless `first.more`.
    public func receiveRest(of first: ZMQMessage) throws(ZMQError) -> [ZMQMessage] {
        let h = try open("receive")
        var frames = [first]
        while frames[frames.count - 1].more {
            let m = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
            zmq_msg_init(m)
            do {
                // Blocking: the frame is already queued (a receive timeout could still say EAGAIN).
                while try !Self.receiveFrame(h, into: m, flags: 0) {}
            } catch {
                zmq_msg_close(m)
                m.deallocate()
                throw error
            }
            frames.append(ZMQMessage(adopting: m))
        }
        return frames
    }

    /// One zmq_msg_recv; false on EAGAIN, EINTR retried.
    private static func receiveFrame(_ h: UnsafeMutableRawPointer, into m: UnsafeMutablePointer<zmq_msg_t>,
                                     flags: Int32) throws(ZMQError) -> Bool {
        while true {
            if zmq_msg_recv(m, h, flags) >= 0 { return true }
            let e = ZMQError.last("receive")
            if e.isInterrupted { continue }
            if e.isTimeout { return false }
            throw e
        }
    }

    /// One zmq_poll for input: true ready, false timed out, nil interrupted (EINTR).
    private static func pollOnce(_ h: UnsafeMutableRawPointer, _ timeoutMilliseconds: Int) throws(ZMQError) -> Bool? {
        var item = zmq_pollitem_t(socket: h, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        return try ZMQPoller.poll(&item, 1, timeoutMilliseconds)
    }

    /// Rounded up, so a wait never ends a fraction of a millisecond early and spins.
    private static func millisecondsRoundedUp(_ d: Duration) -> Int {
        let (seconds, attoseconds) = d.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        return Int(seconds) * 1000 + Int((attoseconds + perMillisecond - 1) / perMillisecond)
    }
}
