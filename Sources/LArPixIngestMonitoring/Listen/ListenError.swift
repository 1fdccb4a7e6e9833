/// A listening address (metrics.listen, tap.listen) that cannot be bound: the daemon does not start.
public struct ListenError: Error, CustomStringConvertible, Sendable {
    /// EX_UNAVAILABLE from sysexits.h.
    public static let exitCode: Int32 = 69
    public var key: String
    public var address: String
    public var reason: String
    public var description: String { "\(key) \(address): cannot listen: \(reason)" }
}
