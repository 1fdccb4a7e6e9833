import Foundation
import Logging
import Synchronization
import ZMQ

/// Follows the connection state of every source through libzmq's socket monitor (each
/// receiver opens its monitor before it connects, so no event is missed), logs connections,
/// disconnections and failed handshakes, and keeps the state for metrics and status.
final class SourceMonitor: @unchecked Sendable {
    /// The events a receiver asks its socket monitor for.
    static let events: ZMQSocketEvents = [.disconnected, .closed, .handshakeSucceeded, .handshakeFailedNoDetail,
                                          .handshakeFailedProtocol, .handshakeFailedAuth]

    struct State: Sendable, Equatable {
        var name: String
        var endpoint: String
        var ioGroup: UInt8?
        var connected = false
        /// connecting (never connected yet), connected, disconnected, handshake_failed
        var state = "connecting"
        var connects = 0
        var disconnects = 0
        var handshakeFailures = 0
    }

    private let states: Mutex<[State]>
    private var pairs: [ZMQSocket?]
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// `monitors`: each source's settings and the PAIR socket of its monitor (nil: not monitored).
    init(sources: [(SourceReceiver.Settings, ZMQSocket?)], logger: Logger) {
        states = Mutex(sources.map { State(name: $0.0.name, endpoint: $0.0.endpoint, ioGroup: $0.0.ioGroup) })
        pairs = sources.map(\.1)
        self.logger = logger
    }

    var snapshot: [State] { states.withLock { $0 } }

    func start() {
        started = true
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "larpix-rawd source monitor"
        t.start()
    }

    /// Stops following and closes the monitor sockets (after the receivers have closed theirs).
    func stop() {
        if started {
            stopping.store(true, ordering: .releasing)
            finished.wait()
        }
        for p in pairs { p?.close() }
    }

    private func run() {
        while !stopping.load(ordering: .acquiring) {
            var any = false
            for (i, pair) in pairs.enumerated() {
                guard let pair else { continue }
                while let event = try? pair.receiveMonitorEvent(timeoutMilliseconds: 0) {
                    apply(event, to: i)
                    any = true
                }
            }
            if !any { Thread.sleep(forTimeInterval: 0.05) }
        }
    }

    private func apply(_ e: ZMQMonitorEvent, to i: Int) {
        let (name, endpoint) = states.withLock { ($0[i].name, $0[i].endpoint) }
        switch e.event {
        // A TCP connection (.connected) is not yet a source: only a completed ZMTP handshake is.
        case .handshakeSucceeded:
            let wasConnected = states.withLock { s in
                let was = s[i].connected
                s[i].connected = true
                s[i].state = "connected"
                if !was { s[i].connects += 1 }
                return was
            }
            if !wasConnected { logger.info("source \(name): connected to \(endpoint)") }
        case .disconnected, .closed:
            let wasConnected = states.withLock { s in
                let was = s[i].connected
                s[i].connected = false
                if was { s[i].disconnects += 1 }
                if s[i].state != "handshake_failed" || was { s[i].state = "disconnected" }
                return was
            }
            if wasConnected { logger.warning("source \(name): disconnected from \(endpoint); reconnecting") }
        case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
            let first = states.withLock { s in
                let first = s[i].state != "handshake_failed"
                s[i].connected = false
                s[i].state = "handshake_failed"
                s[i].handshakeFailures += 1
                return first
            }
            // Once per streak: libzmq retries every second.
            if first { logger.error("source \(name): \(endpoint): \(e.event.name) (errno \(e.value)); nothing is received from it until a handshake succeeds") }
        default:
            break
        }
    }
}
