import CZMQ

extension ZMQSocket {
    /// The integer socket options the project uses, by what they mean.
    public enum Option: Sendable, CaseIterable {
        /// ZMQ_SNDHWM: messages queued per peer before PUB drops (or other types block); 0 = no limit.
        case sendHighWaterMark
        /// ZMQ_RCVHWM: messages queued before SUB stops reading from the peer; 0 = no limit.
        case receiveHighWaterMark
        /// ZMQ_SNDBUF: the kernel's SO_SNDBUF, bytes (-1: the OS default).
        case sendBufferSize
        /// ZMQ_RCVBUF: the kernel's SO_RCVBUF, bytes (-1: the OS default).
        case receiveBufferSize
        /// ZMQ_LINGER: ms that close() keeps unsent messages; -1 forever, 0 discard.
        case linger
        /// ZMQ_IMMEDIATE: 1 = queue only to completed connections.
        case immediate
        /// ZMQ_RECONNECT_IVL: ms before reconnecting a lost or refused connection.
        case reconnectInterval
        /// ZMQ_RECONNECT_IVL_MAX: ms the doubling reconnect interval may reach (0: no doubling).
        case reconnectIntervalMax
        /// ZMQ_MAXMSGSIZE: bytes; a peer sending a bigger message is disconnected. -1 = no limit.
        case maxMessageSize
        /// ZMQ_RCVTIMEO: ms a blocking receive waits before EAGAIN; -1 forever.
        case receiveTimeout
        /// ZMQ_SNDTIMEO: ms a blocking send waits before EAGAIN; -1 forever.
        case sendTimeout
        /// ZMQ_XPUB_NODROP (PUB and XPUB): 1 = at the high-water mark a send fails with EAGAIN
        /// (or blocks, without ZMQ_DONTWAIT) instead of dropping the message.
        case noDrop
        /// ZMQ_CURVE_SERVER: 1 = this socket is the CURVE server (it holds the secret key
        /// clients know the public half of); set with `setCurveServer`.
        case curveServer

        var raw: Int32 {
            switch self {
            case .sendHighWaterMark: ZMQ_SNDHWM
            case .receiveHighWaterMark: ZMQ_RCVHWM
            case .sendBufferSize: ZMQ_SNDBUF
            case .receiveBufferSize: ZMQ_RCVBUF
            case .linger: ZMQ_LINGER
            case .immediate: ZMQ_IMMEDIATE
            case .reconnectInterval: ZMQ_RECONNECT_IVL
            case .reconnectIntervalMax: ZMQ_RECONNECT_IVL_MAX
            case .maxMessageSize: ZMQ_MAXMSGSIZE
            case .receiveTimeout: ZMQ_RCVTIMEO
            case .sendTimeout: ZMQ_SNDTIMEO
            case .noDrop: ZMQ_XPUB_NODROP
            case .curveServer: ZMQ_CURVE_SERVER
            }
        }

        /// libzmq's own name, for error messages.
        public var name: String {
            switch self {
            case .sendHighWaterMark: "sndhwm"
            case .receiveHighWaterMark: "rcvhwm"
            case .sendBufferSize: "sndbuf"
            case .receiveBufferSize: "rcvbuf"
            case .linger: "linger"
            case .immediate: "immediate"
            case .reconnectInterval: "reconnect_ivl"
            case .reconnectIntervalMax: "reconnect_ivl_max"
            case .maxMessageSize: "maxmsgsize"
            case .receiveTimeout: "rcvtimeo"
            case .sendTimeout: "sndtimeo"
            case .noDrop: "xpub_nodrop"
            case .curveServer: "curve_server"
            }
        }

        /// ZMQ_MAXMSGSIZE is the only int64_t one; the rest are int.
        var is64Bit: Bool { self == .maxMessageSize }
    }

    public func set(_ option: Option, _ value: Int) throws(ZMQError) {
        let operation = "set \(option.name) \(value)"
        let h = try open(operation)
        let rc: Int32
        if option.is64Bit {
            var v = Int64(value)
            rc = zmq_setsockopt(h, option.raw, &v, MemoryLayout<Int64>.size)
        } else {
            guard var v = Int32(exactly: value) else { throw ZMQError(operation: operation, errno: lrp_zmq_EINVAL()) }
            rc = zmq_setsockopt(h, option.raw, &v, MemoryLayout<Int32>.size)
        }
        if rc != 0 { throw ZMQError.last(operation) }
    }

    public func get(_ option: Option) throws(ZMQError) -> Int {
        let operation = "get \(option.name)"
        let h = try open(operation)
        if option.is64Bit {
            var v: Int64 = 0
            var size = MemoryLayout<Int64>.size
            if zmq_getsockopt(h, option.raw, &v, &size) != 0 { throw ZMQError.last(operation) }
            return Int(v)
        }
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(h, option.raw, &v, &size) != 0 { throw ZMQError.last(operation) }
        return Int(v)
    }

    // Named setters, for call sites that read like the config they apply.

    public func setSendHighWaterMark(_ messages: Int) throws(ZMQError) { try set(.sendHighWaterMark, messages) }
    public func setReceiveHighWaterMark(_ messages: Int) throws(ZMQError) { try set(.receiveHighWaterMark, messages) }
    public func setSendBufferSize(_ bytes: Int) throws(ZMQError) { try set(.sendBufferSize, bytes) }
    public func setReceiveBufferSize(_ bytes: Int) throws(ZMQError) { try set(.receiveBufferSize, bytes) }
    public func setLinger(_ milliseconds: Int) throws(ZMQError) { try set(.linger, milliseconds) }
    public func setImmediate(_ on: Bool) throws(ZMQError) { try set(.immediate, on ? 1 : 0) }
    public func setReconnectInterval(milliseconds: Int) throws(ZMQError) { try set(.reconnectInterval, milliseconds) }
    public func setReconnectIntervalMax(milliseconds: Int) throws(ZMQError) { try set(.reconnectIntervalMax, milliseconds) }
    public func setReconnectInterval(milliseconds: Int, maxMilliseconds: Int) throws(ZMQError) {
        try set(.reconnectInterval, milliseconds)
        try set(.reconnectIntervalMax, maxMilliseconds)
    }
    public func setMaxMessageSize(_ bytes: Int) throws(ZMQError) { try set(.maxMessageSize, bytes) }
    public func setReceiveTimeout(_ milliseconds: Int) throws(ZMQError) { try set(.receiveTimeout, milliseconds) }
    public func setSendTimeout(_ milliseconds: Int) throws(ZMQError) { try set(.sendTimeout, milliseconds) }
    public func setNoDrop(_ on: Bool) throws(ZMQError) { try set(.noDrop, on ? 1 : 0) }

    // CURVE (encryption and authentication; needs a libzmq with CURVE: `ZMQCurve.isAvailable`).
    // Keys are Z85 text, 40 characters. Set before bind or connect: they apply to new connections.

    /// Server side: this socket accepts CURVE clients and proves it holds `secretKey`.
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try set(.curveServer, 1)
        try setKey(ZMQ_CURVE_SECRETKEY, "curve_secretkey", secretKey)
    }

    /// Client side: connect only to a server holding the secret half of `serverPublicKey`,
    /// identifying as the client key pair (`publicKey`, `secretKey`).
    public func setCurveClient(serverPublicKey: String, publicKey: String, secretKey: String) throws(ZMQError) {
        try setKey(ZMQ_CURVE_SERVERKEY, "curve_serverkey", serverPublicKey)
        try setKey(ZMQ_CURVE_PUBLICKEY, "curve_publickey", publicKey)
        try setKey(ZMQ_CURVE_SECRETKEY, "curve_secretkey", secretKey)
    }

    /// One Z85 key option; libzmq refuses (EINVAL) text that is not 40 Z85 characters. The key
    /// itself never appears in the error.
    private func setKey(_ option: Int32, _ name: String, _ z85: String) throws(ZMQError) {
        let h = try open("set \(name)")
        let rc = z85.withCString { zmq_setsockopt(h, option, $0, z85.utf8.count) }
        if rc != 0 { throw ZMQError.last("set \(name)") }
    }

    /// SUB: receive messages whose first frame starts with `prefix` (empty: everything).
    public func subscribe(prefix: [UInt8] = []) throws(ZMQError) {
        let h = try open("subscribe")
        let rc = prefix.withUnsafeBytes { zmq_setsockopt(h, ZMQ_SUBSCRIBE, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZMQError.last("subscribe") }
    }

    public func unsubscribe(prefix: [UInt8] = []) throws(ZMQError) {
        let h = try open("unsubscribe")
        let rc = prefix.withUnsafeBytes { zmq_setsockopt(h, ZMQ_UNSUBSCRIBE, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZMQError.last("unsubscribe") }
    }
}
