/// Why a control command was not carried out: each has a wire code (the reply's `error`) and its
/// own `larpix-raw` exit status.
public enum ControlRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case runAlreadyStarted(Int)
    case noRun
    /// A run number, subrun or data stream out of bounds.
    case badRun(String)
    /// rotate while paused: no file is open.
    case paused
    /// The daemon is stopping (or not started yet).
    case unavailable(String)
    /// A request the protocol does not know (bad JSON, unknown command, missing field).
    case badRequest(String)
    /// control.token_file is set and the request's token is missing or wrong.
    case unauthorized

    public var code: String {
        switch self {
        case .runAlreadyStarted: return "run_already_started"
        case .noRun: return "no_run"
        case .badRun: return "bad_run"
        case .paused: return "paused"
        case .unavailable: return "unavailable"
        case .badRequest: return "bad_request"
        case .unauthorized: return "unauthorized"
        }
    }

    public var description: String {
        switch self {
        case .runAlreadyStarted(let n): return "run \(n) is already started (stop-run first)"
        case .noRun: return "no run to stop"
        case .badRun(let why): return why
        case .paused: return "paused after stop-run: no file is open to rotate (start-run to write again)"
        case .unavailable(let why): return why
        case .badRequest(let why): return "bad request: \(why)"
        case .unauthorized: return "unauthorized: wrong or missing token (control.token_file)"
        }
    }
}
