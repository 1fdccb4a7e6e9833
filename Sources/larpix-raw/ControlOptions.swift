import ArgumentParser
import Foundation
import LArPixIngest

/// How `run` and `rotate` find the daemon and print its answer: `--control ENDPOINT`, else
/// `--config FILE`'s control.listen (or the default for that config), else the built-in default
/// (the first of `ControlEndpoint.candidates` that is a socket).
struct ControlOptions: ParsableArguments {
    @Option(help: "The daemon's control endpoint: unix:PATH, a socket path, or tcp://HOST:PORT.") var control: String?
    @Option(help: "The daemon's config file: its control.listen (and control.token_file) are used.") var config: String?
    @Option(help: "A file whose first line is the token (control.token_file).") var tokenFile: String?
    @Flag(help: "Print the daemon's reply as one JSON line.") var json = false
    @Option(help: "Seconds to wait for the reply.") var timeout = 60.0

    /// Sends `request` and prints the reply; a refusal is a one-line error with its exit code.
    func send(_ request: ControlRequest) throws {
        var req = request
        let (endpoint, tokenPath) = try resolve()
        if let t = tokenPath {
            do { req.token = try ControlToken.read(t) } catch {
                throw CLIError(subject: t, reason: "cannot read the token: \(error)", exitCode: ExitCodes.usage)
            }
        }
        let reply: ControlReply
        do { reply = try ControlClient(endpoint: endpoint, timeout: timeout).send(req) } catch {
            switch error {
            case .noDaemon(let why): throw CLIError(subject: "\(endpoint)", reason: Self.after(why, endpoint), exitCode: ExitCodes.noDaemon)
            case .badReply(let why): throw CLIError(subject: "\(endpoint)", reason: Self.after(why, endpoint), exitCode: ExitCodes.controlFailed)
            }
        }
        if json { print(String(decoding: reply.line().dropLast(), as: UTF8.self)) }
        guard reply.ok else {
            let message = reply.message ?? reply.error ?? "refused"
            throw CLIError(subject: request.command.rawValue, reason: message, exitCode: Self.exitCode(reply.error))
        }
        if !json { print(Self.text(reply), terminator: "") }
        // Done, but with a caveat (the next file could not be opened yet).
        if let note = reply.message { printNote(note) }
    }

    static func after(_ why: String, _ e: ControlEndpoint) -> String {
        let prefix = "\(e): "
        return why.hasPrefix(prefix) ? String(why.dropFirst(prefix.count)) : why
    }

    static func exitCode(_ code: String?) -> Int32 {
        switch code {
        case ControlRefusal.runAlreadyStarted(0).code: return ExitCodes.runAlreadyStarted
        case ControlRefusal.noRun.code: return ExitCodes.noRun
        case ControlRefusal.badRun("").code: return ExitCodes.badRun
        default: return ExitCodes.controlFailed
        }
    }

    /// The endpoint to use, and the token file to read (if any).
    func resolve() throws -> (ControlEndpoint, String?) {
        if let c = control { return (try Self.parse(c, subject: "--control"), tokenFile) }
        var directory = DaemonConfig.builtInDefault.output.directory
        var token = tokenFile
        if let path = config {
            let cfg: DaemonConfig
            do { cfg = try DaemonConfig.load(path: path) } catch {
                throw CLIError(subject: path, reason: "\(error)", exitCode: ExitCodes.usage)
            }
            if token == nil && !cfg.control.tokenFile.isEmpty { token = cfg.control.tokenFile }
            if let listen = cfg.control.listen {
                guard !listen.isEmpty else {
                    throw CLIError(subject: path, reason: "control.listen is \"\": run control is off", exitCode: ExitCodes.noDaemon)
                }
                return (try Self.parse(listen, subject: path), token)
            }
            directory = cfg.output.directory
        }
        let candidates = ControlEndpoint.candidates(outputDirectory: directory)
        for e in candidates {
            if case .unix(let p) = e, Self.isSocket(p) { return (e, token) }
        }
        throw CLIError(subject: "control", reason: "no daemon's control socket found (looked for \(candidates.map { "\($0)" }.joined(separator: ", "))); give --control or --config",
                       exitCode: ExitCodes.noDaemon)
    }

    static func parse(_ text: String, subject: String) throws -> ControlEndpoint {
        switch ControlEndpoint.parse(text) {
        case .success(let e): return e
        case .failure(let p): throw CLIError(subject: subject, reason: p.description, exitCode: ExitCodes.usage)
        }
    }

    static func isSocket(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }

    /// closed: / opened: lines, then the state.
    static func text(_ r: ControlReply) -> String {
        var s = ""
        if r.command != ControlRequest.Command.status.rawValue {
            s += "closed: \(r.closed ?? "(none)")\nopened: \(r.opened ?? "(none)")\n"
        }
        s += "state: \(r.state ?? "?")"
        if let run = r.run { s += " (run \(run), subrun \(r.subrun ?? 0), data_stream \(r.dataStream ?? ""))" }
        s += "\n"
        if r.command == ControlRequest.Command.status.rawValue {
            s += "file: \(r.file ?? "(none)")\n"
            if let n = r.fileMessages { s += "file_messages: \(n)\n" }
        }
        return s
    }
}
