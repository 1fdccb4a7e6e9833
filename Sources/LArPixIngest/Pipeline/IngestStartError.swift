import LArPixRaw
import ZMQ

/// Why the data path could not start (nothing was left running). Each kind has its exit
/// status (sysexits.h), so that the daemon maps errors by case, not by runtime type checks.
public enum IngestStartError: Error, CustomStringConvertible, Sendable {
    /// A source's socket: an endpoint or option libzmq refuses (78, EX_CONFIG).
    case source(name: String, ZMQError)
    /// output.embed_configs cannot be archived (70, as before: the unit restarts it, in case the
    /// directory is a mount not there yet).
    case configs(ConfigArchiveError)
    /// The first file cannot be created or opened (73, EX_CANTCREAT).
    case file(RawFileError)

    public var exitCode: Int32 {
        switch self {
        case .source: ConfigError.exitCode
        case .configs: 70
        case .file: 73
        }
    }

    public var description: String {
        switch self {
        case let .source(name, e): "source \(name): \(e)"
        case .configs(let e): "\(e)"
        case .file(let e): "\(e)"
        }
    }
}
