import Foundation
import Logging
import Synchronization
import ZMQ

/// Watches one source's SUB socket through libzmq's socket monitor, on a thread of its own, and
/// keeps its connection state for metrics and status (connected only after a completed
/// handshake; a bare TCP connection is not yet a source). A connection whose handshake fails (a
/// publisher without the expected CURVE key, or one that speaks another security mechanism) is counted in `IngestStats.handshakeFailures` and logged
/// naming the source, since nothing from it is ingested. Repeated failures (libzmq reconnects
/// every second) are summed into one line per `reportInterval`.
///
/// libzmq does not reconnect after a protocol error (a frame over ZMQ_MAXMSGSIZE, a security
/// mechanism mismatch): when no reconnect follows a disconnect within `reconnectGrace`, the
/// monitor asks the receiver (`takeReconnectRequest`) to connect again itself.
// @unchecked Sendable: the state others read is behind `current` (a Mutex) and atomics; the
// rest is touched only by the monitor's own thread.
package final class ConnectionMonitor: @unchecked Sendable {
    static let events: ZMQSocketEvents = [.handshakeSucceeded, .handshakeFailedNoDetail, .handshakeFailedProtocol,
                                          .handshakeFailedAuth, .disconnected, .closed, .connectDelayed, .connectRetried, .connected]

    package struct State: Sendable, Equatable {
        package var name: String
        package var endpoint: String
        package var ioGroup: UInt8?
        package var connected = false
        /// connecting (never connected yet), connected, disconnected, handshake_failed
        package var state = "connecting"
        package var connects = 0
        package var disconnects = 0
        package var handshakeFailures = 0
    }
    static let reconnectGrace: Duration = .seconds(2)
    static let reportInterval: Duration = .seconds(30)

    private let pair: ZMQSocket
    private let source: String
    private let endpoint: String
    private let frameLimitBytes: Int
    private let stats: IngestStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let thread = WorkerThread()
    /// Whether the last handshake succeeded (true) or failed (false); nil before any.
    private var lastHandshakeOK: Bool?
    private var unreported = 0
    private var lastReport = ContinuousClock.now
    /// When the connection went down, until libzmq says it is reconnecting.
    private var disconnectedAt: ContinuousClock.Instant?
    private let reconnectRequested = Atomic<Bool>(false)
    private let current: Mutex<State>

    /// The source's connection state now.
    var state: State { current.withLock { $0 } }

    /// True once after libzmq gave up on the endpoint: the receiver should connect again.
    func takeReconnectRequest() -> Bool {
        reconnectRequested.load(ordering: .relaxed) && reconnectRequested.exchange(false, ordering: .acquiring)
    }

    /// Starts libzmq's monitor on `socket`; call before it connects, so no event is missed.
    init(watching socket: ZMQSocket, source: String, endpoint: String, ioGroup: UInt8?, frameLimitBytes: Int,
         stats: IngestStats, logger: Logger) throws(ZMQError) {
        pair = try socket.openMonitor(events: Self.events)
        current = Mutex(State(name: source, endpoint: endpoint, ioGroup: ioGroup))
        self.source = source
        self.endpoint = endpoint
        self.frameLimitBytes = frameLimitBytes
        self.stats = stats
        self.logger = logger
    }

    func start() {
        thread.spawn(name: "larpix-rawd monitor \(source)") { [self] in run() }
    }

    func stop() { stopping.store(true, ordering: .releasing) }

    func join() { thread.join() }

    /// Closes the monitor's socket of a monitor that was never started.
    func close() { pair.close() }

    private func run() {
        while !stopping.load(ordering: .acquiring) {
            let event: ZMQMonitorEvent?
            do { event = try pair.receiveMonitorEvent(timeoutMilliseconds: 100) } catch { break }
            if let event { handle(event) }
            if let t = disconnectedAt, ContinuousClock.now - t >= Self.reconnectGrace {
                // After a failed handshake that failure was said already; otherwise say this.
                if lastHandshakeOK != false {
                    logger.warning("source \(source): libzmq gave up on \(endpoint) after a protocol error; connecting again")
                }
                disconnectedAt = nil
                reconnectRequested.store(true, ordering: .releasing)
            }
            if unreported > 0 && ContinuousClock.now - lastReport >= Self.reportInterval {
                logger.error("source \(source): \(unreported) more failed handshakes with \(endpoint); nothing from it is ingested")
                unreported = 0
                lastReport = .now
            }
        }
        pair.close()
    }

    private func handle(_ e: ZMQMonitorEvent) {
        track(e)
        if e.event == .handshakeSucceeded {
            if lastHandshakeOK != true { logger.info("source \(source): connected to \(endpoint), handshake succeeded") }
            lastHandshakeOK = true
            return
        }
        if e.event == .connectRetried || e.event == .connectDelayed || e.event == .connected {
            disconnectedAt = nil
            return
        }
        if e.event == .disconnected || e.event == .closed {
            disconnectedAt = .now
            // Only a connection that was up: a failed handshake disconnects too, and is said above.
            if lastHandshakeOK == true {
                logger.warning("source \(source): disconnected from \(endpoint) (the publisher went away, or sent a frame over \(frameLimitBytes) bytes); reconnecting")
                lastHandshakeOK = nil
            }
            return
        }
        guard let problem = e.handshakeProblem else { return }
        stats.handshakeFailures.wrappingAdd(1, ordering: .relaxed)
        if lastHandshakeOK != false {
            // The first failure (or the first after a success) is said at once, in full.
            logger.error("source \(source): refused the publisher at \(endpoint): \(problem); nothing from it is ingested")
            lastReport = .now
        } else {
            unreported += 1
        }
        lastHandshakeOK = false
    }

    private func track(_ e: ZMQMonitorEvent) {
        current.withLock { s in
            switch e.event {
            case .handshakeSucceeded:
                if !s.connected { s.connects += 1 }
                s.connected = true
                s.state = "connected"
            case .disconnected, .closed:
                if s.connected { s.disconnects += 1; s.state = "disconnected" }
                else if s.state != "handshake_failed" { s.state = "disconnected" }
                s.connected = false
            default:
                if e.handshakeProblem != nil {
                    s.connected = false
                    s.state = "handshake_failed"
                    s.handshakeFailures += 1
                }
            }
        }
    }
}
