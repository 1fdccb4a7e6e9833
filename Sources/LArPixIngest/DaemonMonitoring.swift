import Foundation
import Logging

/// What an operator watches the daemon with, all optional: Prometheus metrics, the live data
/// tap, the latest-file link, and per closed file a sidecar and the on_close command.
public struct MonitoringSettings: Sendable, Equatable {
    /// HOST:PORT for /metrics; "" = off.
    public var metricsListen = ""
    /// ZeroMQ endpoint to bind the tap's PUB socket on; "" = off.
    public var tapListen = ""
    public var tapSendHighWaterMark = 10_000
    public var sidecars = false
    /// Link name in the output directory; "" = off.
    public var latestLink = ""
    public var onClose: [String] = []

    public init() {}

    /// What a configuration asks for.
    public init(config c: DaemonConfig) {
        metricsListen = c.metricsListen
        tapListen = c.tap.listen
        tapSendHighWaterMark = c.tap.sendHighWaterMark
        sidecars = c.output.sidecar
        latestLink = c.output.latestLink
        onClose = c.output.onClose
    }
}

/// The monitoring side assembled around one daemon's data path. `start` binds the metrics and
/// tap addresses (so a taken address fails start-up before any file is made) and follows the
/// sources; `stop` runs after the writer has closed its last file and waits for its sidecar.
final class DaemonMonitoring: @unchecked Sendable {
    let settings: MonitoringSettings
    let observer: WriterObserver
    private let closedFiles: ClosedFileWorker?
    private let logger: Logger
    private let stats: IngestStats
    private let batcher: Batcher
    private let budget: MessageBudget
    private let writer: IngestWriter
    private let directory: String
    private var tap: DataTap?
    private var sources: SourceConnections?
    private(set) var metrics: DaemonMetrics?
    private(set) var server: MetricsServer?
    private var stopped = false

    init(settings: MonitoringSettings, directory: String, stats: IngestStats, batcher: Batcher, budget: MessageBudget,
         writer: IngestWriter, logger: Logger) {
        self.settings = settings
        self.directory = directory
        self.stats = stats
        self.batcher = batcher
        self.budget = budget
        self.writer = writer
        self.logger = logger
        let worker = settings.sidecars || !settings.onClose.isEmpty
            ? ClosedFileWorker(sidecars: settings.sidecars, onClose: settings.onClose, logger: logger) : nil
        closedFiles = worker
        observer = WriterObserver(stats: stats, latestLink: settings.latestLink.isEmpty ? nil : LatestLink(directory: directory, name: settings.latestLink),
                                  closedFiles: worker, logger: logger)
        writer.observer = observer
    }

    /// Binds the tap and metrics addresses (undoing both if either fails), then follows the sources.
    func start(receivers: [SourceReceiver]) throws {
        let monitor = SourceConnections(monitors: receivers.map(\.monitor))
        sources = monitor
        do {
            if !settings.tapListen.isEmpty {
                let t = try DataTap(endpoint: settings.tapListen, sendHighWaterMark: settings.tapSendHighWaterMark, logger: logger)
                tap = t
                observer.tap = t
                logger.info("tap: republishing written messages on \(settings.tapListen)")
            }
            if !settings.metricsListen.isEmpty {
                let m = DaemonMetrics(inputs: .init(stats: stats, batcher: batcher, budget: budget, writer: writer, observer: observer,
                                                    sources: monitor, tap: tap, closedFiles: closedFiles, directory: directory),
                                      configuredIOGroups: receivers.compactMap(\.settings.ioGroup))
                let s = MetricsServer(address: settings.metricsListen, render: { [m] in m.render() })
                try s.start()
                metrics = m
                server = s
                observer.flushed = { [m] ns in m.recordFlush(nanoseconds: ns) }
                logger.info("metrics: http://\(settings.metricsListen)/metrics")
            }
        } catch {
            observer.tap = nil
            stop()
            throw error
        }
        observer.statusDetail = { [stats, budget, writer, monitor] in
            Self.statusDetail(stats: stats, budget: budget, file: writer.currentFile, sources: monitor.snapshot)
        }
    }

    /// After the writer has stopped: the last sidecar and on_close, then sockets and server. Once.
    func stop() {
        guard !stopped else { return }
        stopped = true
        closedFiles?.finish()
        tap?.close()
        server?.stop()
    }

    /// What STATUS= adds to the writer's "file: rate, buffer" line.
    static func statusDetail(stats: IngestStats, budget: MessageBudget, file: IngestWriter.CurrentFile?,
                             sources: [SourceMonitor.State]) -> String {
        var parts: [String] = []
        if let file { parts.append("\(file.messages) msgs, \(String(format: "%.1f", Double(file.bytes) / 1e6)) MB in file") }
        parts.append("buffer \(String(format: "%.1f", Double(budget.bytesInUse) / 1e6)) of \(String(format: "%.0f", Double(budget.maxBytes) / 1e6)) MB")
        if !sources.isEmpty { parts.append("sources \(sources.filter(\.connected).count)/\(sources.count) connected") }
        parts.append("\(stats.droppedTotal) dropped")
        return "; " + parts.joined(separator: "; ")
    }
}
