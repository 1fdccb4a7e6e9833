import Foundation
import LArPixIngest
import LArPixIngestMonitoring
import LArPixRaw
import Logging
import ZMQ

/// The daemon: the data path with its monitoring, from one configuration. `start` binds the
/// monitoring's addresses first (a taken port fails start-up before any file is made), then
/// starts the data path; `stop` drains the data path, then lets monitoring finish.
final class IngestDaemon: Sendable {
    let pipeline: IngestPipeline
    private let monitoring: DaemonMonitoring
    private let control: ControlServer?
    /// stop_timeout: the one budget from the stop's start to exit.
    private let stopTimeout: Double

    private init(pipeline: IngestPipeline, monitoring: DaemonMonitoring, control: ControlServer?, stopTimeout: Double) {
        self.pipeline = pipeline
        self.monitoring = monitoring
        self.control = control
        self.stopTimeout = stopTimeout
    }

    static func start(config c: DaemonConfig, logger: Logger) throws(DaemonStartError) -> IngestDaemon {
        let stats = IngestStats(bufferMaxBytes: c.bufferMaxBytes)
        let settings: MonitoringSettings
        do { settings = try MonitoringSettings.checked(c) } catch { throw .config(error) }
        let monitoring: DaemonMonitoring
        do {
            monitoring = try DaemonMonitoring.start(settings: settings, directory: c.output.directory, stats: stats,
                                                    configuredIOGroups: c.configuredIOGroups, logger: logger)
        } catch { throw .monitoring(error) }
        let control: ControlServer?
        do { control = try startControl(c, logger: logger) } catch {
            monitoring.stop()
            throw .control(error)
        }
        let pipeline = IngestPipeline(config: c, stats: stats, logger: logger, events: monitoring.events)
        do { try pipeline.start() } catch {
            control?.stop()
            monitoring.stop()
            throw .ingest(error)
        }
        control?.route { [pipeline] line, reply in pipeline.control(line: line, reply: reply) }
        return IngestDaemon(pipeline: pipeline, monitoring: monitoring, control: control, stopTimeout: c.stopTimeout)
    }

    /// Binds control.listen (a failure stops start-up, exit 69). The built-in default is
    /// best effort: if it cannot be bound (another daemon there), the daemon runs without it.
    private static func startControl(_ c: DaemonConfig, logger: Logger) throws(ListenError) -> ControlServer? {
        guard let endpoint = c.controlEndpoint else { return nil }
        let isDefault = c.control.listen == nil
        let server = ControlServer(endpoint: endpoint, logger: logger)
        do { try server.start(createDirectory: isDefault) } catch {
            guard isDefault else { throw error }
            logger.warning("control: the default endpoint is unusable, running without run control: \(error)")
            return nil
        }
        logger.info("control: listening on \(endpoint)")
        return server
    }

    func requestRotation() { pipeline.requestRotation() }

    /// Blocks until every received message is in the file and the last sidecar is written.
    func stop() {
        // The writer's drain and the closed-file work share one budget, counted from here.
        let deadline = ContinuousClock.now + .seconds(stopTimeout)
        // Commands still queued are answered by the pipeline's stop; then the socket goes.
        pipeline.stop(deadline: deadline)
        control?.stop()
        monitoring.stop(deadline: deadline)
    }

    /// Process exit status for a failure that ended the daemon: a start-up failure's own (see
    /// DaemonStartError; the service group hands it back untyped), 70 for anything else.
    static func exitCode(for error: Error) -> Int32 {
        (error as? DaemonStartError)?.exitCode ?? 70
    }
}
