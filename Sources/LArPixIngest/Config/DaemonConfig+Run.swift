import Foundation
import Yams

extension DaemonConfig {
    /// `run:` (number, subrun, data_stream, subrun_policy, after_stop).
    mutating func readRun(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "run", known: ["number", "subrun", "data_stream", "subrun_policy", "after_stop"])
        if let v = m["number"] { run.number = try r.int(v, "run.number", in: RunValues.runs) }
        if let v = m["subrun"] { run.subrun = try r.int(v, "run.subrun", in: RunValues.subruns) }
        if let v = m["data_stream"] {
            run.dataStream = try r.string(v, "run.data_stream")
            if let p = RunValues.dataStreamProblem(run.dataStream) { throw r.error("run.data_stream", p) }
        }
        if let v = m["subrun_policy"] {
            let s = try r.string(v, "run.subrun_policy")
            guard let p = RunConfig.SubrunPolicy(rawValue: s) else {
                throw r.error("run.subrun_policy", "\"\(s)\" is not per_file or fixed")
            }
            run.subrunPolicy = p
        }
        if let v = m["after_stop"] {
            let s = try r.string(v, "run.after_stop")
            guard let a = RunConfig.AfterStop(rawValue: s) else { throw r.error("run.after_stop", "\"\(s)\" is not untagged or pause") }
            run.afterStop = a
        }
    }

    /// `control:` (listen, token_file). A non-loopback tcp endpoint needs a token file.
    mutating func readControl(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "control", known: ["listen", "token_file"])
        if let v = m["token_file"] {
            let t = try r.string(v, "control.token_file")
            control.tokenFile = t.isEmpty ? "" : r.resolve(t)
        }
        if let v = m["listen"] {
            let text = try r.string(v, "control.listen")
            control.listen = text
            guard !text.isEmpty else { return }
            switch ControlEndpoint.parse(text) {
            case .failure(let p): throw r.error("control.listen", p.description)
            case .success(let e):
                if !e.isLocal && control.tokenFile.isEmpty {
                    throw r.error("control.listen", "\(e) is not a unix socket or loopback address: give control.token_file too")
                }
                // A relative socket path is the config file's, as other paths are.
                if case .unix(let p) = e, !p.hasPrefix("/") {
                    control.listen = "unix:" + r.resolve(p.hasPrefix("./") ? String(p.dropFirst(2)) : p)
                }
            }
        }
        if !control.tokenFile.isEmpty {
            if let problem = ControlToken.modeProblem(control.tokenFile) { throw r.error("control.token_file", problem) }
            if (try? ControlToken.read(control.tokenFile)) == nil {
                throw r.error("control.token_file", "\(control.tokenFile): cannot be read, or holds no token")
            }
        }
    }

    /// The endpoint the control server binds (nil: off).
    public var controlEndpoint: ControlEndpoint? {
        guard let l = control.listen else { return ControlEndpoint.builtInDefault(outputDirectory: output.directory) }
        if l.isEmpty { return nil }
        return try? ControlEndpoint.parse(l).get()
    }
}
