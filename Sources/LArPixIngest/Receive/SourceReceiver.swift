import Foundation
import Logging
import Synchronization
import ZMQ

/// One ZeroMQ SUB socket connected to one source (a PACMAN board, or a forwarder of tagged
/// messages), on a thread of its own. It applies the intake policy (what is refused is counted
/// by reason), takes each message's bytes from the budget (waiting when it is spent), copies a
/// small payload out of ZeroMQ into a slab or keeps a large one's frame (PayloadStore), and hands
/// messages to the batcher in arrival order, every queued message at once.
// @unchecked Sendable: set up on the starting thread; then its socket and state belong to its own
// thread, and others touch only `stopping` (atomic) and `monitor` (Sendable).
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
        /// Data-quality counting (QualityCounter) with this time-jump gap; nil: off.
        var qualityTimeJumpSeconds: Int? = nil

        var policy: IntakePolicy { IntakePolicy(ioGroup: ioGroup, maxMessageBytes: maxMessageBytes, validation: validation) }
    }

    let settings: Settings
    private let batcher: Batcher
    private let budget: MessageBudget
    private let stats: IngestStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let thread = WorkerThread()
    private let socket: ZMQSocket
    private let policy: IntakePolicy
    /// Connection state; logs and counts failed handshakes (wrong CURVE key, security mismatch).
    let monitor: ConnectionMonitor
    /// Whether a message came yet (for the one "receiving from" log line; the connection state
    /// is the monitor's).
    private let receiving = Atomic<Bool>(false)

    init(settings: Settings, context: ZMQContext, batcher: Batcher, budget: MessageBudget,
         stats: IngestStats, logger: Logger) throws(ZMQError) {
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
        // A board that restarts is picked up within two `reconnectMilliseconds`, every time: a
        // steady interval, no backoff (a PUB drops what it sends before the subscription is
        // back). libzmq adds a random jitter of up to one interval to each attempt.
        try socket.setReconnectInterval(milliseconds: Self.reconnectMilliseconds, maxMilliseconds: Self.reconnectMilliseconds)
        try socket.subscribe()
        try settings.curve?.apply(to: socket)
        try socket.setMaxMessageSize(policy.connectionLimitBytes)
        monitor = try ConnectionMonitor(watching: socket, source: settings.name, endpoint: settings.endpoint,
                                    ioGroup: settings.ioGroup, frameLimitBytes: policy.connectionLimitBytes, stats: stats, logger: l)
        try socket.connect(settings.endpoint)
    }

    func start() {
        thread.spawn(name: "larpix-rawd receiver \(settings.name)") { [self] in run() }
        monitor.start()
    }

    /// Stops reading; a message already received is still handed on.
    func stop() {
        stopping.store(true, ordering: .releasing)
        monitor.stop()
    }

    func join() {
        thread.join()
        monitor.join()
    }

    /// Closes the socket and its monitor of a receiver that was never started.
    func close() {
        monitor.close()
        socket.close()
    }

    /// The steady reconnect interval to a source that went away: with libzmq's jitter, attempts
    /// 40-80 ms apart, so a restarted board is subscribed to within 0.1 s (bench/resubscribe.py).
    static let reconnectMilliseconds = 40

    /// Messages taken from the socket before they are handed on together: enough to spread the
    /// batcher's lock and the counters over many messages, few enough to hand on promptly.
    static let burstLimit = 256

    private func run() {
        logger.info("subscribed to \(settings.endpoint) as \(settings.ioGroup.map { "io_group \($0)" } ?? "tagged source")")
        let frame = ZMQReceiveFrame()
        var store = PayloadStore()
        var burst = ReceivedBurst()
        var quality = settings.qualityTimeJumpSeconds.map { QualityCounter(timeJumpSeconds: $0) }
        while !stopping.load(ordering: .acquiring) {
            do {
                guard try socket.receive(into: frame, timeoutMilliseconds: 100) else {
                    if monitor.takeReconnectRequest() { reconnect() }
                    continue
                }
                // One clock per burst: the quality counter's "time that passed here".
                let now = quality == nil ? 0 : ProcessClock.nanoseconds
                if !receiving.load(ordering: .relaxed) {
                    receiving.store(true, ordering: .relaxed)
                    logger.info("receiving from \(settings.endpoint)")
                }
                // Then whatever else is queued, without waiting.
                var taken = 0
                while true {
                    try take(frame, into: &burst, store: &store, quality: &quality, at: now)
                    taken += 1
                    guard taken < Self.burstLimit, try socket.receive(into: frame, timeoutMilliseconds: 0) else { break }
                }
            } catch {
                logger.error("receive failed: \(error)")
                handOn(&burst)
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            handOn(&burst)
        }
        socket.close()
    }

    /// Applies the intake policy to the message whose first frame is in `frame`: what is stored
    /// is added to the burst (PayloadStore: copied or kept); what is refused is counted by reason.
    @inline(__always)
    private func take(_ frame: ZMQReceiveFrame, into burst: inout ReceivedBurst, store: inout PayloadStore,
                      quality: inout QualityCounter?, at now: UInt64) throws(ZMQError) {
        // Single-frame fast path: a PACMAN message is one frame.
        if !frame.more && settings.ioGroup != nil {
            keep(policy.judge(single: frame.unsafeBytes), from: .frame(frame), into: &burst, store: &store, quality: &quality, at: now)
            return
        }
        let frames = frame.more ? try socket.receiveRest(of: frame.takeMessage()) : [frame.takeMessage()]
        // A stored multipart message's payload is its last frame (IntakePolicy).
        keep(policy.judge(frames.map(\.unsafeBytes)), from: .message(frames[frames.count - 1]), into: &burst, store: &store,
             quality: &quality, at: now)
        withExtendedLifetime(frames) {}
    }

    @inline(__always)
    private func keep(_ verdict: IntakePolicy.Verdict, from origin: PayloadStore.Origin, into burst: inout ReceivedBurst,
                      store: inout PayloadStore, quality: inout QualityCounter?, at now: UInt64) {
        switch verdict {
        case .refuse(let reason):
            stats.drop(reason)
        case .store(let payload, let ioGroup):
            // Before waiting for the buffer, hand on what this receiver holds: the writer frees
            // the buffer only from what reaches it.
            if !budget.tryTake(payloadBytes: payload.count) {
                handOn(&burst)
                budget.take(payloadBytes: payload.count)
            }
            // The store adds the payload's owner to the burst (no reference per message).
            let stored = store.store(payload, from: origin, for: &burst)
            if quality != nil {
                burst.append(stored, ioGroup: ioGroup, quality: quality!.count(stored, ioGroup: ioGroup, at: now))
            } else {
                burst.append(stored, ioGroup: ioGroup)
            }
        }
    }

    private func handOn(_ burst: inout ReceivedBurst) {
        guard !burst.isEmpty else { return }
        stats.received(burst, at: ProcessClock.nanoseconds)
        batcher.add(burst)
        burst.removeAll()
    }

    /// Connects again after libzmq gave up on the endpoint (see ConnectionMonitor).
    private func reconnect() {
        try? socket.disconnect(settings.endpoint)
        do { try socket.connect(settings.endpoint) } catch { logger.error("source \(settings.name): cannot connect again: \(error)") }
    }
}
