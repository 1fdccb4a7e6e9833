import Foundation
import Logging
import Synchronization
import ZMQ

/// One thread that reads several sources' sockets (receive.threads; by default one for all):
/// it takes from each in turn up to `SourceReceiver.burstLimit` messages, hands all it took on
/// together, and waits in one zmq_poll only when every socket is empty. One thread per source
/// cost more than the work at eight sources on two cores: each thread woke for its own few
/// messages, and so did ZeroMQ's I/O thread to wake it (BENCHMARKS.md, "Receiver threads").
// @unchecked Sendable: set up on the starting thread; then the sources, the poller and the
// buffers belong to its own thread, and others touch only `stopping` (atomic) and the monitors.
final class ReceiverThread: @unchecked Sendable {
    let sources: [SourceReceiver]
    private let handoff: BurstHandoff
    private let logger: Logger
    private let name: String
    private let poller: ZMQPoller
    private let stopping = Atomic<Bool>(false)
    private let thread = WorkerThread()

    init(name: String, sources: [SourceReceiver], handoff: BurstHandoff, logger: Logger) throws(ZMQError) {
        precondition(!sources.isEmpty, "\(name): no source")
        self.name = name
        self.sources = sources
        self.handoff = handoff
        self.logger = logger
        poller = try ZMQPoller(sources.map(\.socket))
    }

    /// The sources of each of `threads` threads (at most one per source), dealt in turn so
    /// that each thread gets every `threads`-th: indexes into the sources, in their order.
    static func assignment(sources: Int, threads: Int) -> [[Int]] {
        let n = max(1, min(threads, sources))
        return (0..<n).map { t in Array(stride(from: t, to: sources, by: n)) }.filter { !$0.isEmpty }
    }

    func start() {
        thread.spawn(name: name) { [self] in run() }
        for s in sources { s.monitor.start() }
    }

    /// Stops reading; a message already received is still handed on.
    func stop() {
        stopping.store(true, ordering: .releasing)
        for s in sources { s.monitor.stop() }
    }

    func join() {
        thread.join()
        for s in sources { s.monitor.join() }
    }

    /// How long a wait with every socket empty lasts before the stop flag and the reconnect
    /// requests are looked at again.
    static let idleWaitMilliseconds = 100

    /// What the last read of a socket says of its queue. A read that took a whole burst leaves
    /// more (read again at once); one that took some may find more that came while the burst
    /// was handed on (read again without waiting: cheaper than a poll); one that took none is
    /// read again only when a poll says so.
    enum Queue: Equatable {
        case full, unknown, empty

        init(afterTaking taken: Int) {
            self = taken >= SourceReceiver.burstLimit ? .full : (taken > 0 ? .unknown : .empty)
        }
    }

    private func run() {
        for s in sources {
            s.logger.info("subscribed to \(s.settings.endpoint) as \(s.settings.ioGroup.map { "io_group \($0)" } ?? "tagged source")")
        }
        let frame = ZMQReceiveFrame()
        var store = PayloadStore()
        var burst = ReceivedBurst()
        let countsQuality = sources.contains { $0.countsQuality }
        var queues = [Queue](repeating: .unknown, count: sources.count)
        var empty = 0
        while !stopping.load(ordering: .acquiring) {
            // Asked by a source's monitor, under load too (a relaxed load per source and pass).
            for s in sources { s.reconnectIfAsked() }
            if empty > 0 {
                // Look again at the empty sockets: a quick look while others still have messages
                // (a busy source cannot starve a quiet one), a wait when none has.
                do {
                    if try poller.wait(timeoutMilliseconds: empty < sources.count ? 0 : Self.idleWaitMilliseconds) {
                        for i in sources.indices where queues[i] == .empty && poller.isReadable(i) {
                            queues[i] = .unknown
                            empty -= 1
                        }
                    }
                } catch {
                    logger.error("\(name): waiting for messages failed: \(error)")
                    Thread.sleep(forTimeInterval: 0.1)
                }
                if empty == sources.count { continue }
            }
            // One clock per pass: the quality counter's "time that passed here".
            let now = countsQuality ? ProcessClock.nanoseconds : 0
            var failed = false
            for i in sources.indices where queues[i] != .empty {
                var taken = 0
                do {
                    taken = try sources[i].drain(frame, into: &burst, store: &store, at: now)
                } catch {
                    sources[i].logger.error("receive failed: \(error)")
                    failed = true
                }
                let q = Queue(afterTaking: taken)
                if q == .empty { empty += 1 }
                queues[i] = q
            }
            handoff.handOn(&burst)
            // What failed is not retried at full speed (libzmq errors here are not transient).
            if failed { Thread.sleep(forTimeInterval: 0.1) }
        }
        for s in sources { s.socket.close() }
    }
}
