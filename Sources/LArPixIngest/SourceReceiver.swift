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
    }

    let settings: Settings
    private let batcher: Batcher
    private let budget: MessageBudget
    private let stats: IngestStats
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let socket: ZMQSocket
    /// Connection state for status: true once the monitor saw a connection.
    let connected = Atomic<Bool>(false)
    /// The PAIR end of this socket's monitor, opened before connecting so no event is missed;
    /// read and closed by the SourceMonitor.
    let monitor: ZMQSocket

    init(settings: Settings, context: ZMQContext, batcher: Batcher, budget: MessageBudget,
         stats: IngestStats, logger: Logger) throws {
        self.settings = settings
        self.batcher = batcher
        self.budget = budget
        self.stats = stats
        var l = logger
        l[metadataKey: "source"] = "\(settings.name)"
        self.logger = l
        // Socket set-up happens here, on the caller's thread, so that a bad endpoint fails start-up.
        socket = try ZMQSocket(context: context, type: .sub)
        try socket.setReceiveHighWaterMark(settings.receiveHighWaterMark)
        if settings.receiveBufferBytes > 0 { try socket.setReceiveBufferSize(settings.receiveBufferBytes) }
        try socket.setLinger(0)
        // A board that comes up is picked up within a second.
        try socket.setReconnectInterval(milliseconds: 100, maxMilliseconds: 1000)
        try socket.subscribe()
        monitor = try socket.openMonitor(events: SourceMonitor.events)
        try socket.connect(settings.endpoint)
    }

    func start() {
        let t = Thread { [self] in
            run()
            finished.signal()
        }
        t.name = "larpix-rawd receiver \(settings.name)"
        t.start()
    }

    /// Stops reading; a message already received is still handed on.
    func stop() { stopping.store(true, ordering: .releasing) }

    func join() { finished.wait() }

    private func run() {
        logger.info("subscribed to \(settings.endpoint) as \(settings.ioGroup.map { "io_group \($0)" } ?? "tagged source")")
        while !stopping.load(ordering: .acquiring) {
            let frames: [ZMQMessage]
            do {
                // Single-frame fast path: a PACMAN message is one frame, so no array per message.
                guard let first = try socket.receiveMessage(timeoutMilliseconds: 100) else { continue }
                if !connected.load(ordering: .relaxed) {
                    connected.store(true, ordering: .relaxed)
                    logger.info("receiving from \(settings.endpoint)")
                }
                if !first.more, let g = settings.ioGroup {
                    accept(first, ioGroup: g)
                    continue
                }
                frames = first.more ? try socket.receiveRest(of: first) : [first]
            } catch {
                logger.error("receive failed: \(error)")
                Thread.sleep(forTimeInterval: 0.1)
                continue
            }
            accept(frames)
        }
        socket.close()
    }

    /// The intake policy: store every non-empty message as received; refuse (and count) empty
    /// and oversized frames, multipart messages on an untagged source, and bad tags.
    @inline(__always)
    private func accept(_ frames: [ZMQMessage]) {
        let payload: ZMQMessage
        let ioGroup: UInt8
        if let g = settings.ioGroup {
            guard frames.count == 1 else { stats.drop(frames.isEmpty ? .empty : .multipart); return }
            payload = frames[0]
            ioGroup = g
        } else {
            guard frames.count == 2, frames[0].count == 1 else { stats.drop(.badTag); return }
            ioGroup = frames[0].unsafeBytes[0]
            payload = frames[1]
        }
        accept(payload, ioGroup: ioGroup)
    }

    @inline(__always)
    private func accept(_ payload: ZMQMessage, ioGroup: UInt8) {
        let n = payload.count
        if n == 0 { stats.drop(.empty); return }
        if n > settings.maxMessageBytes { stats.drop(.oversized); return }
        budget.take(n)
        stats.received(bytes: n)
        batcher.add(payload, ioGroup: ioGroup)
    }
}
