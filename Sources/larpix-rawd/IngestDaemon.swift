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

    private init(pipeline: IngestPipeline, monitoring: DaemonMonitoring) {
        self.pipeline = pipeline
        self.monitoring = monitoring
    }

    static func start(config c: DaemonConfig, logger: Logger) throws -> IngestDaemon {
        let stats = IngestStats(bufferMaxBytes: c.bufferMaxBytes)
        let monitoring = try DaemonMonitoring.start(settings: try MonitoringSettings.checked(c), directory: c.output.directory,
                                                    stats: stats, configuredIOGroups: c.configuredIOGroups, logger: logger)
        let pipeline = IngestPipeline(config: c, stats: stats, logger: logger, events: monitoring.events)
        do { try pipeline.start() } catch {
            monitoring.stop()
            throw error
        }
        return IngestDaemon(pipeline: pipeline, monitoring: monitoring)
    }

    func requestRotation() { pipeline.requestRotation() }

    /// Blocks until every received message is in the file and the last sidecar is written.
    func stop() {
        pipeline.stop()
        monitoring.stop()
    }

    /// Process exit status for a start-up failure: 73 (EX_CANTCREAT) when the output file cannot
    /// be created or opened, 78 for a configuration the sockets refuse (a source endpoint or
    /// option libzmq rejects), 69 when metrics.listen or tap.listen cannot be bound, 70 otherwise.
    static func exitCode(for error: Error) -> Int32 {
        if error is RawFileError { return 73 }
        if error is ConfigError || error is ZMQError { return ConfigError.exitCode }
        if error is ListenError { return ListenError.exitCode }
        return 70
    }
}
