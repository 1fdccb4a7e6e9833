/// A "major.minor" version string of the file format or of the message encoding (io_version).
/// Minor versions compare as integers (the reference compares them as strings, "10" < "9").
public struct FormatVersion: Equatable, Hashable, Sendable, CustomStringConvertible, Comparable {
    public let major: Int
    public let minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses "major.minor" (two runs of ASCII digits); nil for anything else, including signs
    /// ("+1.0", which `Int` alone would accept), spaces, and numbers too large for `Int`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let ma = Int(parts[0]), let mi = Int(parts[1]) else { return nil }
        major = ma
        minor = mi
    }

    public var description: String { "\(major).\(minor)" }

    /// The only file-format version that exists.
    public static let latestFile = FormatVersion(major: 0, minor: 0)
    /// The PACMAN message encoding this project reads and emits.
    public static let pacmanIO = FormatVersion(major: 0, minor: 0)

    /// A reader or appender asking for `requested` can use a file of version `self`:
    /// same major, and the file's minor at least the requested one.
    public func satisfies(_ requested: FormatVersion) -> Bool {
        major == requested.major && minor >= requested.minor
    }

    public static func < (a: FormatVersion, b: FormatVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }
}
