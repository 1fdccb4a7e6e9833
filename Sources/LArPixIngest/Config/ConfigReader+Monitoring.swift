import Foundation
import Yams

extension ConfigReader {
    /// output.sidecar, output.latest_link and output.on_close.
    func closedFileKeys(_ m: [String: Node], into output: inout DaemonConfig.Output) throws(ConfigError) {
        if let v = m["sidecar"] { output.sidecar = try bool(v, "output.sidecar") }
        if let v = m["latest_link"] {
            let name = try string(v, "output.latest_link")
            if !name.isEmpty && !FileNamer.isSafeFileName(name) {
                throw error("output.latest_link", "\"\(name)\" is not a plain file name (no '/', no '..'; \"\" = no link)")
            }
            let lower = name.lowercased()
            if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") {
                throw error("output.latest_link", "\"\(name)\" ends in .h5 or .hdf5: watchers that glob *.h5 would take the link for a second data file (e.g. \"latest\")")
            }
            output.latestLink = name
        }
        if let v = m["on_close"] { output.onClose = try command(v, "output.on_close") }
    }

    /// A command as a list [program, args...] (or just the program as a string): never split or
    /// given to a shell. The program is resolved on PATH unless it contains a '/'.
    func command(_ n: Node, _ key: String) throws(ConfigError) -> [String] {
        var argv: [String]
        switch n {
        case .scalar(let s): argv = s.string.isEmpty ? [] : [s.string]
        case .sequence(let seq):
            argv = []
            for (i, item) in seq.enumerated() { argv.append(try string(item, "\(key)[\(i)]")) }
        default: throw error(key, "expected a list [program, arguments...], got \(describe(n))")
        }
        guard let program = argv.first else { return [] }
        if program.isEmpty { throw error("\(key)[0]", "the program is empty") }
        guard let resolved = Self.executable(program) else {
            throw error("\(key)[0]", "\"\(program)\" is not an executable file\(program.contains("/") ? "" : " on PATH")")
        }
        argv[0] = resolved
        return argv
    }

    /// The path of an executable: `name` itself when it contains '/', else the first match on PATH.
    package static func executable(_ name: String) -> String? {
        func runnable(_ p: String) -> Bool {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue && access(p, X_OK) == 0
        }
        if name.contains("/") { return runnable(name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if runnable(candidate) { return candidate }
        }
        return nil
    }

    func tap(_ n: Node) throws(ConfigError) -> DaemonConfig.Tap {
        var t = DaemonConfig.Tap()
        let m = try mapping(n, "tap", known: ["listen", "sndhwm"])
        if let v = m["listen"] {
            t.listen = try string(v, "tap.listen")
            // Bound, not connected: tcp://*:PORT is allowed.
            let problem = t.listen.hasPrefix("tcp://") ? ConfigValues.listenProblem(String(t.listen.dropFirst(6)))
                                                      : ConfigValues.endpointProblem(t.listen)
            if !t.listen.isEmpty, let problem { throw error("tap.listen", problem) }
        }
        if let v = m["sndhwm"] { t.sendHighWaterMark = try int(v, "tap.sndhwm", in: 0...Int(Int32.max)) }
        return t
    }
}
