import Foundation
import LArPixIngest
import Logging

/// The monitoring side assembled around one data path. `start` binds the metrics and tap
/// addresses (so a taken address fails start-up before any file is made) and starts the
/// closed-file worker; `events` is what the data path's writer reports to; `stop` runs after
/// the writer has closed its last file and waits for its sidecar.
package final class DaemonMonitoring: Sendable {
    package let settings: MonitoringSettings
    /// What the writer reports to.
    package let events: any WriterEvents
    private let closedFiles: ClosedFileWorker?
    private let latestLink: LatestLinkUpdater?
    private let tap: DataTap?
    private let server: MetricsServer?

    private init(settings: MonitoringSettings, events: any WriterEvents, closedFiles: ClosedFileWorker?,
                 latestLink: LatestLinkUpdater?, tap: DataTap?, server: MetricsServer?) {
        self.settings = settings
        self.events = events
        self.closedFiles = closedFiles
        self.latestLink = latestLink
        self.tap = tap
        self.server = server
    }

    /// The port /metrics is served on (nil: metrics off).
    package var metricsPort: Int? { server?.port }

    /// Binds the tap and metrics addresses (undoing both if either fails), then starts the
    /// closed-file worker.
    package static func start(settings: MonitoringSettings, directory: String, stats: IngestStats,
                              configuredIOGroups: [UInt8], logger: Logger) throws(MonitoringStartError) -> DaemonMonitoring {
        var tap: DataTap?
        if !settings.tapListen.isEmpty {
            do { tap = try DataTap(endpoint: settings.tapListen, sendHighWaterMark: settings.tapSendHighWaterMark, logger: logger) } catch {
                throw .listen(error)
            }
            logger.info("tap: republishing written messages on \(settings.tapListen)")
        }
        // Always there: besides sidecars and on_close, it fsyncs each closed file (off the writer).
        let worker: ClosedFileWorker? = ClosedFileWorker(sidecars: settings.sidecars, onClose: settings.onClose,
                                                         packets: settings.packets, catalog: settings.catalog, logger: logger)
        if let p = settings.packets {
            if let d = p.directory {
                do {
                    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o750])
                } catch {
                    tap?.close()
                    throw .packetsDirectory(path: d, reason: (error as NSError).localizedFailureReason ?? "\(error)")
                }
            }
            logger.info("packets: each closed file converted by \(p.converter) into \(p.directory ?? "the raw file's directory")")
        }
        var server: MetricsServer?, metrics: DaemonMetrics?
        if !settings.metricsListen.isEmpty {
            let m = DaemonMetrics(inputs: .init(stats: stats, tap: tap, closedFiles: worker,
                                                configuredIOGroups: configuredIOGroups))
            let s = MetricsServer(address: settings.metricsListen, render: { [m] in m.render() })
            do { try s.start() } catch {
                tap?.close()
                throw .listen(error)
            }
            (server, metrics) = (s, m)
            logger.info("metrics: http://\(settings.metricsListen)/metrics")
        }
        worker?.start()
        let link = settings.latestLink.isEmpty ? nil
            : LatestLinkUpdater(link: LatestLink(directory: directory, name: settings.latestLink), logger: logger)
        link?.start()
        let observer = WriterObserver(tap: tap, latestLink: link, closedFiles: worker, metrics: metrics, logger: logger)
        return DaemonMonitoring(settings: settings, events: observer, closedFiles: worker, latestLink: link, tap: tap, server: server)
    }

    /// After the writer has stopped: the last sidecar and on_close (within the stop's budget,
    /// which ends at `deadline`), then sockets and server.
    package func stop(deadline: ContinuousClock.Instant = .now) {
        latestLink?.finish()
        closedFiles?.finish(deadline: deadline)
        tap?.close()
        server?.stop()
    }
}
