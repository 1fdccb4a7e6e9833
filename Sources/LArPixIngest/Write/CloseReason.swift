/// Why the writer closed a file: its log line, the sidecar's `close_reason`, and what on_close
/// sees all say it in these words.
package enum CloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The daemon stopped.
    case stop
    /// A rotation was asked for (SIGHUP).
    case requested
    case maxMessages(Int)
    case maxBytes(Int)
    case maxSeconds(Double)
    /// A control command: rotate, start-run (the previous file ends), stop-run (the run's last file).
    case controlRotate
    case runStart(Int)
    case runStop(Int)
    /// The writer moved to another output place (output.directories).
    case moved(OutputPlaces.MoveReason)

    package var isRotation: Bool { self != .stop }

    package var description: String {
        switch self {
        case .stop: return "stop"
        case .requested: return "rotation: requested (SIGHUP)"
        case .maxMessages(let n): return "rotation: max_messages \(n)"
        case .maxBytes(let n): return "rotation: max_bytes \(n)"
        case .maxSeconds(let s): return "rotation: max_seconds \(s)"
        case .controlRotate: return "rotation: requested (control)"
        case .runStart(let n): return "start-run \(n)"
        case .runStop(let n): return "stop-run \(n)"
        case .moved(let why): return "rotation: moving to another output place (\(why))"
        }
    }
}
