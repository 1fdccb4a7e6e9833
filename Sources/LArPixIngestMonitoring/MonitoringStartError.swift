/// Why monitoring could not start: the daemon then makes no file. Each kind has its exit status
/// (sysexits.h), so that the daemon maps errors by case, not by runtime type checks.
public enum MonitoringStartError: Error, CustomStringConvertible, Sendable {
    /// metrics.listen, tap.listen or control.listen cannot be bound (69, EX_UNAVAILABLE).
    case listen(ListenError)
    /// packets.directory cannot be created (73, EX_CANTCREAT).
    case packetsDirectory(path: String, reason: String)

    public var exitCode: Int32 {
        switch self {
        case .listen: ListenError.exitCode
        case .packetsDirectory: 73
        }
    }

    public var description: String {
        switch self {
        case .listen(let e): "\(e)"
        case let .packetsDirectory(path, reason): "packets.directory \(path): cannot create: \(reason)"
        }
    }
}
