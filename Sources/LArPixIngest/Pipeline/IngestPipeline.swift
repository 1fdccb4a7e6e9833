import Foundation
import LArPixRaw
import Logging
import Synchronization
import ZMQ

/// The data path assembled: receivers -> batcher (bounded by the byte budget) -> writer.
/// `start()` returns once every socket is set up and the first file is open; `stop()` stops
/// reading, drains every received message to the file, and closes it. What watches it gets
/// `stats` (a snapshot at any time) and the writer's events.
public final class IngestPipeline: Sendable {
    public let stats: IngestStats
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let batcher: Batcher
    private let budget: MessageBudget
    private let writer: IngestWriter
    private let sourceSettings: [SourceReceiver.Settings]
    /// receive.threads: the threads that read the sources' sockets (at most one per source).
    private let receiverThreads: Int
    private let context = ZMQContext()
    private let state = Mutex<State>(.idle)
    /// control.token_file's token: every control request must carry it (nil: none needed).
    private let controlToken: String?
    /// output.embed_configs, watched from start to stop.
    private let configs: ConfigArchive?
    /// stop_timeout: the stop's budget when `stop()` is given no deadline.
    private let stopTimeout: Double

    private enum State {
        case idle
        case running([ReceiverThread])
        case stopped
    }

    init(sources: [SourceReceiver.Settings], writer writerSettings: WriterSettings, batch: Batcher.Limits,
         stats: IngestStats, nextPath: @escaping (_ directory: String, _ run: RunTag?) -> String, logger: Logger,
         notifier: SystemdNotifier = SystemdNotifier(), events: (any WriterEvents)? = nil, controlToken: String? = nil,
         receiverThreads: Int = 1) {
        self.controlToken = controlToken
        self.receiverThreads = receiverThreads
        configs = writerSettings.configs
        stopTimeout = writerSettings.stopTimeout
        self.logger = logger
        self.notifier = notifier
        self.sourceSettings = sources
        self.stats = stats
        batcher = Batcher(limits: batch)
        budget = MessageBudget(stats: stats)
        var files = writerSettings.files
        // A watcher that syncs closed files syncs their directory too: not the writer at create.
        if events?.syncsClosedFiles == true { files.options.syncDirectory = false }
        writer = IngestWriter(settings: writerSettings,
                              parts: .init(batcher: batcher, budget: budget, stats: stats, logger: logger, notifier: notifier,
                                           events: events, files: files, nextPath: nextPath))
    }

    /// The file being written now.
    public var currentFilePath: String? { stats.currentFile?.path }
    /// Bytes received and not yet written.
    public var bufferedBytes: Int { budget.bytesInUse }

    /// Sets up every source's socket (a bad endpoint fails here), opens the first file, then
    /// starts receiving.
    public func start() throws(IngestStartError) {
        let handoff = BurstHandoff(batcher: batcher, budget: budget, stats: stats)
        var receivers: [SourceReceiver] = []
        var threads: [ReceiverThread] = []
        do throws(IngestStartError) {
            for s in sourceSettings {
                do {
                    receivers.append(try SourceReceiver(settings: s, context: context, handoff: handoff, logger: logger))
                } catch { throw .source(name: s.name, error) }
            }
            let assignment = ReceiverThread.assignment(sources: receivers.count, threads: receiverThreads)
            for (t, indexes) in assignment.enumerated() {
                let mine = indexes.map { receivers[$0] }
                let name = assignment.count == 1 ? "larpix-rawd receiver" : "larpix-rawd receiver \(t + 1)"
                do { threads.append(try ReceiverThread(name: name, sources: mine, handoff: handoff, logger: logger)) }
                catch { throw .source(name: mine[0].settings.name, error) }
            }
            stats.register(receivers.map(\.monitor))
            do { try configs?.start() } catch { throw .configs(error) }
            do { try writer.start() } catch { configs?.stop(); throw .file(error) }
        } catch {
            // Nothing runs yet: close what was set up, so that an embedder (the tests) keeps no
            // connected socket, monitor or source in its stats after a failed start.
            stats.register([], replacing: true)
            for r in receivers { r.close() }
            throw error
        }
        // Before data flows: the process keeps what it frees while busy (MemoryReturn).
        MemoryReturn.keep(upTo: budget.maxBytes)
        for t in threads { t.start() }
        state.withLock { $0 = .running(threads) }
        notifier.ready(status: "writing \(currentFilePath ?? "?")")
        logger.info("ready: \(receivers.count) source(s) on \(threads.count) receiver thread(s), writing \(currentFilePath ?? "?")")
    }

    /// Closes the current file and starts the next; no message is lost or written twice.
    public func requestRotation() {
        logger.info("rotation requested")
        writer.requestRotation()
    }

    /// Hands a control command to the writer, which runs it between batches and calls `reply`
    /// on its thread (`reply` must not block). Refused at once when stopping or unauthorized.
    public func control(_ request: ControlRequest, reply: @escaping @Sendable (ControlReply) -> Void) {
        let name = request.command.rawValue
        if let token = controlToken, !ControlToken.matches(request.token, token) {
            stats.countControl(name, result: ControlRefusal.unauthorized.code)
            return reply(.refused(name, .unauthorized))
        }
        let running = state.withLock { if case .running = $0 { return true } else { return false } }
        guard running, writer.submit(request, reply: reply) else {
            stats.countControl(name, result: "unavailable")
            return reply(.refused(name, .unavailable("the daemon is \(running ? "stopping" : "not running")")))
        }
    }

    /// One request line as the control server received it (parsed here, so that a bad one is
    /// counted like any other refusal).
    public func control(line: some Collection<UInt8>, reply: @escaping @Sendable (ControlReply) -> Void) {
        switch ControlRequest.parse(line) {
        case .success(let r): control(r, reply: reply)
        case .failure(let refusal):
            stats.countControl("invalid", result: refusal.code)
            reply(.refused("invalid", refusal))
        }
    }

    /// Stops receiving, drains, flushes, closes. Blocks; safe to call more than once. Writing
    /// goes on until `deadline`, the end of the whole stop's budget (nil: stop_timeout from now);
    /// what is left then is counted as write_failed.
    public func stop(deadline: ContinuousClock.Instant? = nil) {
        let deadline = deadline ?? .now + .seconds(stopTimeout)
        let threads: [ReceiverThread]? = state.withLock { s in
            guard case .running(let t) = s else { return nil }
            s = .stopped
            return t
        }
        guard let threads else { return }
        notifier.stopping()
        logger.info("stopping: draining \(budget.bytesInUse) buffered bytes")
        for t in threads { t.stop() }
        budget.close()
        for t in threads { t.join() }
        batcher.finish(deadline: deadline)
        writer.join()
        configs?.stop()
        logger.info("stopped: \(stats.messagesReceived.load(ordering: .relaxed)) messages received, \(stats.messagesWritten.load(ordering: .relaxed)) written, \(stats.droppedTotal) refused, \(stats.writeErrors.load(ordering: .relaxed)) write errors")
    }
}
