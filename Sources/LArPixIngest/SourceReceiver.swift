import Foundation
import Logging
import Synchronization
import ZMQ

/// One ZeroMQ SUB socket connected to one source (a PACMAN board, or a forwarder of tagged
/// messages), on a thread of its own. It applies the intake policy (what is refused is counted
/// by reason), takes each message's bytes from the budget (waiting when it is spent), and hands
/// the message to the batcher in arrival order.
final class SourceReceiver: @unchecked Sendable {
    struct Settings: Sendable {
        var endpoint: String
        /// nil: tagged source (two frames, the first a one-byte io_group).
        var ioGroup: UInt8?
        var name: String
        var receiveHighWaterMark: Int
        var receiveBufferBytes: Int
        var maxMessageBytes: Int
        var validation: IntakeValidation = .raw
        /// CURVE client keys (nil: no CURVE).
        var curve: CurveClientKeys? = nil

        var policy: IntakePolicy { IntakePolicy(ioGroup: ioGroup, maxMessageBytes: maxMessageBytes, validation: validation) }
    }

    let settings: Settings
    private let batcher: Batcher
    private let budget: MessageBudget
    private let stats: IngestStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let socket: ZMQSocket
    private let policy: IntakePolicy
    /// Connection state; logs and counts failed handshakes (wrong CURVE key, security mismatch).
    let monitor: SourceMonitor
    /// Connection state for status: true once the monitor saw a connection.
    let connected = Atomic<Bool>(false)

    init(settings: Settings, context: ZMQContext, batcher: Batcher, budget: MessageBudget,
         stats: IngestStats, logger: Logger) throws {
        self.settings = settings
        self.batcher = batcher
        self.budget = budget
        self.stats = stats
        var l = logger
        l[metadataKey: "source"] = "\(settings.name)"
        self.logger = l
        policy = settings.policy
        // Socket set-up happens here, on the caller's thread, so that a bad endpoint fails start-up.
        socket = try ZMQSocket(context: context, type: .sub)
        try socket.setReceiveHighWaterMark(settings.receiveHighWaterMark)
        if settings.receiveBufferBytes > 0 { try socket.setReceiveBufferSize(settings.receiveBufferBytes) }
        try socket.setLinger(0)
        // A board that comes up is picked up within a second.
        try socket.setReconnectInterval(milliseconds: 100, maxMilliseconds: 1000)
        try socket.subscribe()
        try settings.curve?.apply(to: socket)
        try socket.setMaxMessageSize(policy.connectionLimitBytes)
        monitor = try SourceMonitor(watching: socket, source: settings.name, endpoint: settings.endpoint,
                                    ioGroup: settings.ioGroup, frameLimitBytes: policy.connectionLimitBytes, stats: stats, logger: l)
        try socket.connect(settings.endpoint)
    }

    func start() {
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "larpix-rawd receiver \(settings.name)"
        t.start()
        monitor.start()
    }

    /// Stops reading; a message already received is still handed on.
    func stop() {
        stopping.store(true, ordering: .releasing)
        monitor.stop()
    }

    func join() {
        finished.wait()
        monitor.join()
    }

    private func run() {
        logger.info("subscribed to \(settings.endpoint) as \(settings.ioGroup.map { "io_group \($0)" } ?? "tagged source")")
        while !stopping.load(ordering: .acquiring) {
            let frames: [ZMQMessage]
            do {
                guard let first = try socket.receiveMessage(timeoutMilliseconds: 100) else {
                    if monitor.takeReconnectRequest() { reconnect() }
                    continue
                }
                if !connected.load(ordering: .relaxed) {
                    connected.store(true, ordering: .relaxed)
                    logger.info("receiving from \(settings.endpoint)")
                }
                // Single-frame fast path: a PACMAN message is one frame, so no array per message.
                if !first.more, settings.ioGroup != nil {
                    take(policy.judge(single: first))
                    continue
                }
                frames = first.more ? try socket.receiveRest(of: first) : [first]
            } catch {
                logger.error("receive failed: \(error)")
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            take(policy.judge(frames))
        }
        socket.close()
    }

    /// Connects again after libzmq gave up on the endpoint (see SourceMonitor).
    private func reconnect() {
        try? socket.disconnect(settings.endpoint)
        do { try socket.connect(settings.endpoint) } catch { logger.error("source \(settings.name): cannot connect again: \(error)") }
    }

    /// The intake policy's verdict (IntakePolicy): store, or count the reason for refusing.
    @inline(__always)
    private func take(_ verdict: IntakePolicy.Verdict) {
        switch verdict {
        case .refuse(let reason):
            stats.drop(reason)
        case .store(let payload, let ioGroup):
            let n = payload.count
            budget.take(payloadBytes: n)
            stats.received(bytes: n)
            batcher.add(payload, ioGroup: ioGroup)
        }
    }
}
