import Foundation
import LArPixRaw
import Logging
import ZMQ

/// The data path assembled: receivers -> batcher (bounded by the byte budget) -> writer.
/// `start()` returns once every socket is set up and the first file is open; `stop()` stops
/// reading, drains every received message to the file, and closes it.
public final class IngestDaemon: @unchecked Sendable {
    public let stats = IngestStats()
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let batcher: Batcher
    private let budget: MessageBudget
    private let writer: IngestWriter
    private let sourceSettings: [SourceReceiver.Settings]
    private var receivers: [SourceReceiver] = []
    private let monitoring: DaemonMonitoring
    private let context = ZMQContext()
    private let stopLock = NSLock()
    private var stopped = false

    init(sources: [SourceReceiver.Settings], writer writerSettings: WriterSettings, batch: Batcher.Limits,
         bufferMaxBytes: Int, nextPath: @escaping () -> String, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
         monitoring monitoringSettings: MonitoringSettings = MonitoringSettings()) {
        self.logger = logger
        self.notifier = notifier
        self.sourceSettings = sources
        batcher = Batcher(limits: batch)
        budget = MessageBudget(maxBytes: bufferMaxBytes, stats: stats)
        writer = IngestWriter(settings: writerSettings, batcher: batcher, budget: budget, stats: stats,
                              logger: logger, notifier: notifier, nextPath: nextPath)
        monitoring = DaemonMonitoring(settings: monitoringSettings, directory: writerSettings.directory, stats: stats, batcher: batcher,
                                      budget: budget, writer: writer, logger: logger)
    }

    /// The port /metrics is served on (nil: metrics off).
    public var metricsPort: Int? { monitoring.server?.port }

    /// The file being written now.
    public var currentFilePath: String? { writer.currentFile?.path }
    /// Bytes received and not yet written.
    public var bufferedBytes: Int { budget.bytesInUse }

    public func start() throws {
        for s in sourceSettings {
            receivers.append(try SourceReceiver(settings: s, context: context, batcher: batcher, budget: budget,
                                                stats: stats, logger: logger))
        }
        try monitoring.start(receivers: receivers)
        try writer.start()
        for r in receivers { r.start() }
        notifier.ready(status: "writing \(currentFilePath ?? "?")")
        logger.info("ready: \(receivers.count) source(s), writing \(currentFilePath ?? "?")")
    }

    /// Closes the current file and starts the next; no message is lost or written twice.
    public func requestRotation() {
        logger.info("rotation requested")
        writer.requestRotation()
    }

    /// Stops receiving, drains, flushes, closes. Safe to call more than once.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard !stopped else { return }
        stopped = true
        notifier.stopping()
        logger.info("stopping: draining \(budget.bytesInUse) buffered bytes")
        for r in receivers { r.stop() }
        budget.close()
        for r in receivers { r.join() }
        batcher.finish()
        writer.join()
        monitoring.stop()
        logger.info("stopped: \(stats.messagesReceived.load(ordering: .relaxed)) messages received, \(stats.messagesWritten.load(ordering: .relaxed)) written, \(stats.droppedTotal) refused, \(stats.writeErrors.load(ordering: .relaxed)) write errors")
    }
}
