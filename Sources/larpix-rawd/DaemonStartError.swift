import LArPixIngest
import LArPixIngestMonitoring

/// Why the daemon could not start, by the part that refused, each with its exit status. The
/// unit's restart rules (docs/DEPLOY.md) rest on these: 78 is not restarted, 69, 70, 73 are.
enum DaemonStartError: Error, CustomStringConvertible {
    /// A setting only checked at start (packets, catalog): 78.
    case config(ConfigError)
    /// metrics.listen or tap.listen (69), packets.directory (73).
    case monitoring(MonitoringStartError)
    /// control.listen set explicitly and not usable: 69.
    case control(ListenError)
    /// Sources (78), output.embed_configs (70), the first file (73).
    case ingest(IngestStartError)

    var exitCode: Int32 {
        switch self {
        case .config: ConfigError.exitCode
        case .monitoring(let e): e.exitCode
        case .control: ListenError.exitCode
        case .ingest(let e): e.exitCode
        }
    }

    var description: String {
        switch self {
        case .config(let e): "\(e)"
        case .monitoring(let e): "\(e)"
        case .control(let e): "\(e)"
        case .ingest(let e): "\(e)"
        }
    }
}
