import CZMQ
import Synchronization

/// The socket events libzmq's monitor can report (ZMQ_EVENT_*), as a set to ask for.
public struct ZMQSocketEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let connected = ZMQSocketEvents(rawValue: ZMQ_EVENT_CONNECTED)
    public static let connectDelayed = ZMQSocketEvents(rawValue: ZMQ_EVENT_CONNECT_DELAYED)
    public static let connectRetried = ZMQSocketEvents(rawValue: ZMQ_EVENT_CONNECT_RETRIED)
    public static let listening = ZMQSocketEvents(rawValue: ZMQ_EVENT_LISTENING)
    public static let bindFailed = ZMQSocketEvents(rawValue: ZMQ_EVENT_BIND_FAILED)
    public static let accepted = ZMQSocketEvents(rawValue: ZMQ_EVENT_ACCEPTED)
    public static let acceptFailed = ZMQSocketEvents(rawValue: ZMQ_EVENT_ACCEPT_FAILED)
    public static let closed = ZMQSocketEvents(rawValue: ZMQ_EVENT_CLOSED)
    public static let closeFailed = ZMQSocketEvents(rawValue: ZMQ_EVENT_CLOSE_FAILED)
    public static let disconnected = ZMQSocketEvents(rawValue: ZMQ_EVENT_DISCONNECTED)
    public static let monitorStopped = ZMQSocketEvents(rawValue: ZMQ_EVENT_MONITOR_STOPPED)
    public static let handshakeFailedNoDetail = ZMQSocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
    public static let handshakeSucceeded = ZMQSocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    public static let handshakeFailedProtocol = ZMQSocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
    public static let handshakeFailedAuth = ZMQSocketEvents(rawValue: ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    public static let all = ZMQSocketEvents(rawValue: ZMQ_EVENT_ALL)

    /// libzmq's name without the ZMQ_EVENT_ prefix, lower case, for one event;
    /// "event 0x…" for a bit this wrapper does not know.
    public var name: String {
        switch self {
        case .connected: "connected"
        case .connectDelayed: "connect_delayed"
        case .connectRetried: "connect_retried"
        case .listening: "listening"
        case .bindFailed: "bind_failed"
        case .accepted: "accepted"
        case .acceptFailed: "accept_failed"
        case .closed: "closed"
        case .closeFailed: "close_failed"
        case .disconnected: "disconnected"
        case .monitorStopped: "monitor_stopped"
        case .handshakeFailedNoDetail: "handshake_failed_no_detail"
        case .handshakeSucceeded: "handshake_succeeded"
        case .handshakeFailedProtocol: "handshake_failed_protocol"
        case .handshakeFailedAuth: "handshake_failed_auth"
        default: "event 0x" + String(rawValue, radix: 16)
        }
    }
}

/// One event from a socket monitor: what happened, libzmq's value for it (a file descriptor,
/// an errno, or a reconnect interval, by event) and the endpoint it concerns.
public struct ZMQMonitorEvent: Sendable, Equatable, CustomStringConvertible {
    public var event: ZMQSocketEvents
    public var value: UInt32
    public var endpoint: String

    public init(event: ZMQSocketEvents, value: UInt32, endpoint: String) {
        self.event = event
        self.value = value
        self.endpoint = endpoint
    }

    /// Decodes libzmq's two-frame event (v1 format): frame 1 is the event number (uint16) and
    /// value (uint32) in host byte order, frame 2 the endpoint. nil for anything else.
    public init?(first: UnsafeRawBufferPointer, second: UnsafeRawBufferPointer) {
        guard first.count == 6 else { return nil }
        event = ZMQSocketEvents(rawValue: Int32(first.loadUnaligned(fromByteOffset: 0, as: UInt16.self)))
        value = first.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        endpoint = String(decoding: second, as: UTF8.self)
    }

    public init?(frames: [ZMQMessage]) {
        guard frames.count == 2 else { return nil }
        self.init(first: frames[0].unsafeBytes, second: frames[1].unsafeBytes)
    }

    public var description: String { "\(event.name) \(endpoint) (\(value))" }

    /// A failed handshake in words: for `handshakeFailedProtocol` the ZMQ_PROTOCOL_ERROR_* that
    /// `value` holds, for `handshakeFailedAuth` the ZAP status code; nil for other events.
    public var handshakeProblem: String? {
        switch event {
        case .handshakeFailedNoDetail:
            return "handshake failed: the peer closed the connection (with CURVE: it does not hold the expected key, or does not use CURVE)"
        case .handshakeFailedAuth:
            return "the peer refused our credentials (ZAP status \(value))"
        case .handshakeFailedProtocol:
            switch Int32(bitPattern: value) {
            case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
                return "security mechanism mismatch (one side uses CURVE, the other does not)"
            case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
                return "cryptographic error (wrong CURVE key)"
            case let v where v & 0x2000_0000 != 0:
                return "the peer's authentication handler failed (ZAP protocol error 0x" + String(value, radix: 16) + ")"
            default:
                return "protocol error 0x" + String(value, radix: 16)
            }
        default:
            return nil
        }
    }
}

extension ZMQSocket {
    private static let monitorSerial = Atomic<Int>(0)

    /// Starts libzmq's monitor on this socket: `events` are published on a PAIR socket bound
    /// at the returned inproc endpoint. Connect a `.pair` socket of the same context to it (or
    /// use `openMonitor`), before the events of interest happen: events sent while nobody is
    /// connected are lost.
    public func monitor(events: ZMQSocketEvents = .all) throws(ZMQError) -> String {
        let n = Self.monitorSerial.add(1, ordering: .relaxed).newValue
        let endpoint = "inproc://larpix-zmq-monitor-\(n)"
        if zmq_socket_monitor(try open("monitor", endpoint: endpoint), endpoint, events.rawValue) != 0 {
            throw ZMQError.last("monitor", endpoint: endpoint)
        }
        return endpoint
    }

    /// `monitor(events:)` plus a PAIR socket already connected to it: read it with
    /// `receiveMonitorEvent`. The PAIR socket belongs to whichever thread reads it.
    public func openMonitor(events: ZMQSocketEvents = .all) throws(ZMQError) -> ZMQSocket {
        let endpoint = try monitor(events: events)
        let pair = try ZMQSocket(context: context, type: .pair)
        try pair.setLinger(0)
        try pair.connect(endpoint)
        return pair
    }

    /// Stops any monitor on this socket (its PAIR peer then sees nothing more).
    public func stopMonitor() throws(ZMQError) {
        if zmq_socket_monitor(try open("stop monitor"), nil, 0) != 0 { throw ZMQError.last("stop monitor") }
    }

    /// On a monitor PAIR socket: the next event, or nil when none arrives within the timeout
    /// (or, never in practice, when libzmq sent something that is not an event).
    public func receiveMonitorEvent(timeoutMilliseconds: Int = -1) throws(ZMQError) -> ZMQMonitorEvent? {
        guard let frames = try receiveMultipart(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        return ZMQMonitorEvent(frames: frames)
    }
}
