/// Why a publisher could not start or run (socket failures come as `ZMQError`).
public enum PacmanPublisherError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidOptions(String)
    case noSubscribers(endpoint: String, connected: Int, wanted: Int, seconds: Double)

    public var description: String {
        switch self {
        case .invalidOptions(let why):
            "pacman publisher: \(why)"
        case let .noSubscribers(endpoint, connected, wanted, seconds):
            "pacman publisher \(endpoint): \(connected) of \(wanted) subscriber\(wanted == 1 ? "" : "s") connected within \(seconds) s"
        }
    }
}
