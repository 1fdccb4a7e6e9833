import Foundation
import Logging
import Synchronization
import ZMQ

/// Watches one source's SUB socket through libzmq's socket monitor, on a thread of its own:
/// a connection whose handshake fails (a publisher without the expected CURVE key, or one that
/// speaks another security mechanism) is counted in `IngestStats.handshakeFailures` and logged
/// naming the source, since nothing from it is ingested. Repeated failures (libzmq reconnects
/// every second) are summed into one line per `reportInterval`.
final class SourceMonitor: @unchecked Sendable {
    static let events: ZMQSocketEvents = [.handshakeSucceeded, .handshakeFailedNoDetail, .handshakeFailedProtocol,
                                          .handshakeFailedAuth]
    static let reportInterval: Duration = .seconds(30)

    private let pair: ZMQSocket
    private let source: String
    private let endpoint: String
    private let stats: IngestStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Whether the last handshake succeeded (true) or failed (false); nil before any.
    private var lastHandshakeOK: Bool?
    private var unreported = 0
    private var lastReport = ContinuousClock.now

    /// Starts libzmq's monitor on `socket`; call before it connects, so no event is missed.
    init(watching socket: ZMQSocket, source: String, endpoint: String, stats: IngestStats, logger: Logger) throws(ZMQError) {
        pair = try socket.openMonitor(events: Self.events)
        self.source = source
        self.endpoint = endpoint
        self.stats = stats
        self.logger = logger
    }

    func start() {
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "larpix-rawd monitor \(source)"
        t.start()
    }

    func stop() { stopping.store(true, ordering: .releasing) }

    func join() { finished.wait() }

    private func run() {
        while !stopping.load(ordering: .acquiring) {
            let event: ZMQMonitorEvent?
            do { event = try pair.receiveMonitorEvent(timeoutMilliseconds: 100) } catch { break }
            if let event { handle(event) }
            if unreported > 0 && ContinuousClock.now - lastReport >= Self.reportInterval {
                logger.error("source \(source): \(unreported) more failed handshakes with \(endpoint); nothing from it is ingested")
                unreported = 0
                lastReport = .now
            }
        }
        pair.close()
    }

    private func handle(_ e: ZMQMonitorEvent) {
        if e.event == .handshakeSucceeded {
            if lastHandshakeOK != true { logger.info("source \(source): connected to \(endpoint), handshake succeeded") }
            lastHandshakeOK = true
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
}
