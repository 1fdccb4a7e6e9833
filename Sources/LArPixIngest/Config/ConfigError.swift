/// A configuration problem, as one line naming the file, the key and the problem:
/// `config.yaml: sources[1].io_group: 300 is out of range 0...255`.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// EX_CONFIG from sysexits.h: every configuration error exits with it.
    public static let exitCode: Int32 = 78

    public let file: String
    /// Dotted key path with list indices, e.g. `sources[1].io_group`; empty for the whole file.
    public let key: String
    public let problem: String

    public init(file: String, key: String, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        key.isEmpty ? "\(file): \(problem)" : "\(file): \(key): \(problem)"
    }
}
