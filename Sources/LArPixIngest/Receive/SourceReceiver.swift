import Foundation
import Logging
import Synchronization
import ZMQ

/// One ZeroMQ SUB socket connected to one source (a PACMAN board, or a forwarder of tagged
/// messages), read by a ReceiverThread with the other sources it serves. It applies the intake
/// policy (what is refused is counted by reason), takes each message's bytes from the budget
/// (waiting when it is spent), and copies a small payload out of ZeroMQ into a slab or keeps a
/// large one's frame (PayloadStore), in arrival order.
// @unchecked Sendable: set up on the starting thread; then its socket and state belong to its
// receiver thread, and others touch only `monitor` (Sendable).
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
    private let handoff: BurstHandoff
    let logger: Logger
    let socket: ZMQSocket
    private let policy: IntakePolicy
    /// Connection state; logs and counts failed handshakes (wrong CURVE key, security mismatch).
    let monitor: ConnectionMonitor
    /// Whether a message came yet (for the one "receiving from" log line; the connection state
    /// is the monitor's).
    private var receiving = false
    private var quality: QualityCounter?
    /// Whether its quality counter needs the time of each pass.
    var countsQuality: Bool { quality != nil }

    init(settings: Settings, context: ZMQContext, handoff: BurstHandoff, logger: Logger) throws(ZMQError) {
        self.settings = settings
        self.handoff = handoff
        let stats = handoff.stats
        var l = logger
        l[metadataKey: "source"] = "\(settings.name)"
        self.logger = l
        policy = settings.policy
        quality = settings.qualityTimeJumpSeconds.map { QualityCounter(timeJumpSeconds: $0) }
        // Socket set-up happens here, on the caller's thread, so that a bad endpoint fails start-up.
        socket = try ZMQSocket(context: context, type: .sub)
        // Set once, before connecting: libzmq 4.3.4 can stop a connection for good when its
        // RCVHWM is raised while the publisher waits on a full queue (bench/hwm-change.c).
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

    /// Closes the socket and its monitor of a receiver that was never started.
    func close() {
        monitor.close()
        socket.close()
    }

    /// The steady reconnect interval to a source that went away: with libzmq's jitter, attempts
    /// 40-80 ms apart, so a restarted board is subscribed to within 0.1 s (bench/resubscribe.py).
    static let reconnectMilliseconds = 40

    /// Messages taken from one socket before the thread turns to its other sources and hands
    /// them on together: enough to spread the batcher's lock and the counters over many
    /// messages, few enough to hand on promptly and to serve every source in turn.
    static let burstLimit = 256

    /// Takes what is queued on the socket, up to `burstLimit` messages, without waiting, into
    /// `burst`; returns how many (fewer than `burstLimit`: the queue is empty now).
    @inline(__always)
    func drain(_ frame: ZMQReceiveFrame, into burst: inout ReceivedBurst, store: inout PayloadStore,
               at now: UInt64) throws(ZMQError) -> Int {
        var taken = 0
        while taken < Self.burstLimit, try socket.receive(into: frame, timeoutMilliseconds: 0) {
            try take(frame, into: &burst, store: &store, at: now)
            taken += 1
        }
        if _slowPath(!receiving) && taken > 0 {
            receiving = true
            logger.info("receiving from \(settings.endpoint)")
        }
        return taken
    }

    /// Applies the intake policy to the message whose first frame is in `frame`: what is stored
    /// is added to the burst (PayloadStore: copied or kept); what is refused is counted by reason.
    @inline(__always)
    private func take(_ frame: ZMQReceiveFrame, into burst: inout ReceivedBurst, store: inout PayloadStore,
                      at now: UInt64) throws(ZMQError) {
        // Single-frame fast path: a PACMAN message is one frame.
        if !frame.more && settings.ioGroup != nil {
            keep(policy.judge(single: frame.unsafeBytes), from: .frame(frame), into: &burst, store: &store, at: now)
            return
        }
        let frames = frame.more ? try socket.receiveRest(of: frame.takeMessage()) : [frame.takeMessage()]
        // A stored multipart message's payload is its last frame (IntakePolicy).
        keep(policy.judge(frames.map(\.unsafeBytes)), from: .message(frames[frames.count - 1]), into: &burst, store: &store, at: now)
        withExtendedLifetime(frames) {}
    }

    @inline(__always)
    private func keep(_ verdict: IntakePolicy.Verdict, from origin: PayloadStore.Origin, into burst: inout ReceivedBurst,
                      store: inout PayloadStore, at now: UInt64) {
        switch verdict {
        case .refuse(let reason):
            handoff.stats.drop(reason)
        case .store(let payload, let ioGroup):
            handoff.reserve(payloadBytes: payload.count, handingOn: &burst)
            // The store adds the payload's owner to the burst (no reference per message).
            let stored = store.store(payload, from: origin, for: &burst)
            if quality != nil {
                burst.append(stored, ioGroup: ioGroup, quality: quality!.count(stored, ioGroup: ioGroup, at: now))
            } else {
                burst.append(stored, ioGroup: ioGroup)
            }
        }
    }

    /// Connects again when libzmq gave up on the endpoint (see ConnectionMonitor).
    func reconnectIfAsked() {
        guard monitor.takeReconnectRequest() else { return }
        try? socket.disconnect(settings.endpoint)
        do { try socket.connect(settings.endpoint) } catch { logger.error("source \(settings.name): cannot connect again: \(error)") }
    }
}
