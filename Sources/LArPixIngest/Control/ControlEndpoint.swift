import Foundation

/// Where the control server listens and `larpix-raw` connects: a unix socket (`unix:PATH`, or a
/// path starting with '/' or '.') or `tcp://HOST:PORT`. Local by default: a unix socket is
/// guarded by its file mode (0660), a loopback port by being on this host; any other host needs
/// control.token_file.
public enum ControlEndpoint: Sendable, Equatable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    public var description: String {
        switch self {
        case .unix(let p): return "unix:\(p)"
        case .tcp(let h, let p): return "tcp://\(h.contains(":") ? "[\(h)]" : h):\(p)"
        }
    }

    /// Parses control.listen / --control; the reason when it is not an endpoint.
    public static func parse(_ text: String) -> Result<ControlEndpoint, RunValueProblem> {
        func fail(_ why: String) -> Result<ControlEndpoint, RunValueProblem> { .failure(RunValueProblem(description: "\"\(text)\" \(why)")) }
        if text.hasPrefix("tcp://") {
            let hp = text.dropFirst(6)
            guard let colon = hp.lastIndex(of: ":"), let port = Int(hp[hp.index(after: colon)...]), (1...65535).contains(port) else {
                return fail("is not tcp://HOST:PORT with a port 1-65535")
            }
            var host = String(hp[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            if host.isEmpty || host.contains(where: { $0.isWhitespace || $0 == "/" }) { return fail("has no usable host") }
            return .success(.tcp(host: host, port: port))
        }
        let path = text.hasPrefix("unix:") ? String(text.dropFirst(5)) : text
        guard path.hasPrefix("/") || path.hasPrefix(".") else {
            return fail("is not unix:PATH, an absolute or ./relative socket path, or tcp://HOST:PORT")
        }
        // sockaddr_un holds 108 bytes with the NUL.
        if path.utf8.count > 107 { return fail("is longer than a unix socket path may be (107 bytes)") }
        if path.hasSuffix("/") { return fail("names a directory, not a socket") }
        return .success(.unix(path))
    }

    /// A unix socket, or a loopback host: reachable from this host only.
    public var isLocal: Bool {
        switch self {
        case .unix: return true
        case .tcp(let h, _): return h == "localhost" || h == "::1" || h.hasPrefix("127.")
        }
    }

    /// The built-in default: `/run/larpix-rawd/control.sock` for root or where that directory
    /// is writable (systemd's RuntimeDirectory=larpix-rawd), else
    /// `$XDG_RUNTIME_DIR/larpix-rawd/control.sock`, else `.larpix-rawd-control.sock` in the
    /// output directory. The daemon binds the first that applies; see `candidates`.
    public static func builtInDefault(outputDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                      isRoot: Bool = geteuid() == 0, writable: (String) -> Bool = { access($0, W_OK) == 0 }) -> ControlEndpoint {
        if isRoot || writable(systemDirectory) { return .unix(systemDirectory + "/control.sock") }
        if let x = environment["XDG_RUNTIME_DIR"], !x.isEmpty, writable(x) { return .unix(x + "/larpix-rawd/control.sock") }
        return .unix(inOutputDirectory(outputDirectory))
    }

    /// Where `larpix-raw` looks when given no endpoint, in order: the first that is a socket.
    public static func candidates(outputDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [ControlEndpoint] {
        var out = [ControlEndpoint.unix(systemDirectory + "/control.sock")]
        if let x = environment["XDG_RUNTIME_DIR"], !x.isEmpty { out.append(.unix(x + "/larpix-rawd/control.sock")) }
        out.append(.unix(inOutputDirectory(outputDirectory)))
        return out
    }

    static let systemDirectory = "/run/larpix-rawd"
    /// Hidden, and not *.h5: watchers of the output directory never see it as a data file.
    public static let outputDirectoryName = ".larpix-rawd-control.sock"

    static func inOutputDirectory(_ dir: String) -> String { (dir as NSString).appendingPathComponent(outputDirectoryName) }
}
