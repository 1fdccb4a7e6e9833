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
    private let context = ZMQContext()
    private let state = Mutex<State>(.idle)

    private enum State {
        case idle
        case running([SourceReceiver])
        case stopped
    }

    init(sources: [SourceReceiver.Settings], writer writerSettings: WriterSettings, batch: Batcher.Limits,
         stats: IngestStats, nextPath: @escaping (_ directory: String) -> String, logger: Logger,
         notifier: SystemdNotifier = SystemdNotifier(), events: (any WriterEvents)? = nil) {
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
    public func start() throws {
        var receivers: [SourceReceiver] = []
        for s in sourceSettings {
            receivers.append(try SourceReceiver(settings: s, context: context, batcher: batcher, budget: budget,
                                                stats: stats, logger: logger))
        }
        stats.register(receivers.map(\.monitor))
        try writer.start()
        for r in receivers { r.start() }
        state.withLock { $0 = .running(receivers) }
        notifier.ready(status: "writing \(currentFilePath ?? "?")")
        logger.info("ready: \(receivers.count) source(s), writing \(currentFilePath ?? "?")")
    }

    /// Closes the current file and starts the next; no message is lost or written twice.
    public func requestRotation() {
        logger.info("rotation requested")
        writer.requestRotation()
    }

    /// Stops receiving, drains, flushes, closes. Blocks; safe to call more than once.
    public func stop() {
        let receivers: [SourceReceiver]? = state.withLock { s in
            guard case .running(let r) = s else { return nil }
            s = .stopped
            return r
        }
        guard let receivers else { return }
        notifier.stopping()
        logger.info("stopping: draining \(budget.bytesInUse) buffered bytes")
        for r in receivers { r.stop() }
        budget.close()
        for r in receivers { r.join() }
        batcher.finish()
        writer.join()
        logger.info("stopped: \(stats.messagesReceived.load(ordering: .relaxed)) messages received, \(stats.messagesWritten.load(ordering: .relaxed)) written, \(stats.droppedTotal) refused, \(stats.writeErrors.load(ordering: .relaxed)) write errors")
    }
}
