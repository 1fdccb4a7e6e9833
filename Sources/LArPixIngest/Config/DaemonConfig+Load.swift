import Foundation
import Logging
import Yams

extension DaemonConfig {
    /// Reads and validates a YAML config file. Every problem is a `ConfigError` naming the key.
    public static func load(path: String) throws(ConfigError) -> DaemonConfig {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
            throw ConfigError(file: path, key: "", problem: !exists ? "no such file" : isDir.boolValue ? "is a directory" : "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: name, key: "", problem: "not UTF-8 text")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(yaml: text, file: name, baseDirectory: base.isEmpty ? "." : base)
    }

    /// Parses YAML text; `file` names it in errors, `baseDirectory` resolves a relative io_config.
    public static func parse(yaml: String, file: String = "config", baseDirectory: String = ".") throws(ConfigError) -> DaemonConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(file: file, key: "", problem: "not valid YAML: \(ConfigReader.yamlProblem(error))")
        }
        var c = DaemonConfig()
        c.origin = file
        let r = ConfigReader(file: file, baseDirectory: baseDirectory)
        guard let root else { throw ConfigError(file: file, key: "sources", problem: "missing: the configuration is empty") }
        let top = try r.mapping(root, "", known: ["sources", "io_config", "receive", "output", "flush_interval", "batch",
                                                  "buffer", "rotate", "metrics", "tap", "log_level"])
        if let n = top["receive"] {
            let m = try r.mapping(n, "receive", known: ["rcvhwm", "rcvbuf", "max_message_bytes", "validate"])
            if let v = m["rcvhwm"] { c.receive.rcvhwm = try r.int(v, "receive.rcvhwm", in: 0...Int(Int32.max)) }
            if let v = m["rcvbuf"] { c.receive.rcvbuf = try r.bytes(v, "receive.rcvbuf", in: 0...Int(Int32.max)) }
            if let v = m["max_message_bytes"] { c.receive.maxMessageBytes = try r.bytes(v, "receive.max_message_bytes", in: 1...(1 << 40)) }
            if let v = m["validate"] { c.receive.validate = try r.validation(v, "receive.validate") }
        }
        if let n = top["output"] {
            let m = try r.mapping(n, "output", known: ["directory", "filename", "append", "io_version", "min_free_bytes", "page_size", "ordered_flush", "exposure_wait",
                                                      "sidecar", "latest_link", "on_close"])
            if let v = m["directory"] {
                c.output.directory = try r.string(v, "output.directory")
                if c.output.directory.isEmpty { throw r.error("output.directory", "is empty") }
            }
            if let v = m["filename"] { c.output.filename = try r.string(v, "output.filename") }
            if let v = m["append"] { c.output.append = try r.bool(v, "output.append") }
            if let v = m["io_version"] {
                c.output.ioVersion = try r.string(v, "output.io_version")
                let parts = c.output.ioVersion.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.allSatisfy { ("0"..."9").contains($0) } }) else {
                    throw r.error("output.io_version", "\"\(c.output.ioVersion)\" is not major.minor (e.g. \"0.0\")")
                }
            }
            if let v = m["min_free_bytes"] { c.output.minFreeBytes = try r.bytes(v, "output.min_free_bytes", in: 0...Int.max) }
            if let v = m["ordered_flush"] { c.output.orderedFlush = try r.bool(v, "output.ordered_flush") }
            if let v = m["exposure_wait"] { c.output.exposureWait = try r.seconds(v, "output.exposure_wait", zeroAllowed: true, atMost: 1) }
            if let v = m["page_size"] {
                c.output.pageSize = try r.bytes(v, "output.page_size", in: 0...(1 << 30))
                if c.output.pageSize != 0 && c.output.pageSize < 512 { throw r.error("output.page_size", "\(c.output.pageSize) is below HDF5's minimum of 512 (0 = off)") }
            }
            try r.closedFileKeys(m, into: &c.output)
        }
        if let problem = FileNamer.patternProblem(c.output.filename) { throw r.error("output.filename", problem) }
        if let v = top["flush_interval"] { c.flushInterval = try r.seconds(v, "flush_interval", zeroAllowed: false, atMost: 3600) }
        if let n = top["batch"] {
            let m = try r.mapping(n, "batch", known: ["max_messages", "max_bytes", "max_age"])
            if let v = m["max_messages"] { c.batch.maxMessages = try r.int(v, "batch.max_messages", in: 1...10_000_000) }
            if let v = m["max_bytes"] { c.batch.maxBytes = try r.bytes(v, "batch.max_bytes", in: 1...(1 << 40)) }
            if let v = m["max_age"] { c.batch.maxAge = try r.seconds(v, "batch.max_age", zeroAllowed: false, atMost: 3600) }
        }
        if let n = top["buffer"] {
            let m = try r.mapping(n, "buffer", known: ["max_bytes"])
            if let v = m["max_bytes"] { c.bufferMaxBytes = try r.bytes(v, "buffer.max_bytes", in: 1...(1 << 50)) }
        }
        if c.batch.maxBytes > c.bufferMaxBytes {
            throw r.error("batch.max_bytes", "\(c.batch.maxBytes) is larger than buffer.max_bytes \(c.bufferMaxBytes)")
        }
        if let n = top["rotate"] {
            let m = try r.mapping(n, "rotate", known: ["max_bytes", "max_messages", "max_seconds"])
            if let v = m["max_bytes"] { c.rotate.maxBytes = try r.bytes(v, "rotate.max_bytes", in: 0...Int.max) }
            if let v = m["max_messages"] { c.rotate.maxMessages = try r.int(v, "rotate.max_messages", in: 0...Int.max) }
            if let v = m["max_seconds"] { c.rotate.maxSeconds = try r.seconds(v, "rotate.max_seconds", zeroAllowed: true, atMost: 1e9) }
        }
        if let n = top["metrics"] {
            let m = try r.mapping(n, "metrics", known: ["listen"])
            if let v = m["listen"] {
                c.metricsListen = try r.string(v, "metrics.listen")
                if !c.metricsListen.isEmpty, let problem = ConfigValues.listenProblem(c.metricsListen) {
                    throw r.error("metrics.listen", problem)
                }
            }
        }
        if let n = top["tap"] { c.tap = try r.tap(n) }
        if let v = top["log_level"] {
            let s = try r.string(v, "log_level")
            guard let level = Logger.Level(rawValue: s) else {
                throw r.error("log_level", "\"\(s)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.logLevel = level
        }
        if let n = top["sources"] {
            guard case .sequence(let seq) = n else { throw r.error("sources", "expected a list of sources") }
            for (i, s) in seq.enumerated() { c.sources.append(try r.source(s, "sources[\(i)]", receive: c.receive)) }
        }
        // Where each source was given, so that a clash names the place the operator must edit.
        var places = c.sources.indices.map { "sources[\($0)]" }
        let listedCount = places.count
        if let v = top["io_config"] {
            let p = try r.string(v, "io_config")
            if p.isEmpty { throw r.error("io_config", "is empty (omit it, or give the path of a larpix-control io config JSON)") }
            let resolved = p.hasPrefix("/") || baseDirectory == "." ? p : (baseDirectory as NSString).appendingPathComponent(p)
            c.ioConfig = resolved
            let fromIOConfig = try IOConfig.sources(fromFile: resolved, key: "io_config", configFile: file)
            c.sources += fromIOConfig
            places += fromIOConfig.indices.map { "\(resolved) io_group[\($0)]" }
        }
        if c.sources.isEmpty { throw r.error("sources", "no sources (give sources or io_config)") }
        var endpointPlace = [String: String](), groupPlace = [UInt8: String]()
        for (i, (s, place)) in zip(c.sources, places).enumerated() {
            // The key to blame: the list entry itself, or io_config for a pair from the JSON.
            let fromJSON = i >= listedCount
            if let first = endpointPlace[s.endpoint] {
                throw fromJSON ? r.error("io_config", "\(place): \(s.endpoint) is also the endpoint of \(first)")
                               : r.error("\(place).endpoint", "\(s.endpoint) is also the endpoint of \(first)")
            }
            endpointPlace[s.endpoint] = place
            if case .ioGroup(let g) = s.tagging {
                if let first = groupPlace[g] {
                    throw fromJSON ? r.error("io_config", "\(place): io_group \(g) is also that of \(first)")
                                   : r.error("\(place).io_group", "io_group \(g) is also that of \(first)")
                }
                groupPlace[g] = place
            }
        }
        return c
    }
}

/// Typed access to YAML nodes, each failure a ConfigError naming the key.
struct ConfigReader {
    let file: String
    /// Where relative paths in the file (key files) are resolved.
    var baseDirectory = "."

    func error(_ key: String, _ problem: String) -> ConfigError { ConfigError(file: file, key: key, problem: problem) }

    /// Yams' message cut to one line, with the line number (Yams counts from 1).
    static func yamlProblem(_ error: Error) -> String {
        guard let y = error as? YamlError else { return firstLine("\(error)") }
        switch y {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(problem) at line \(mark.line)"
        case .reader(let problem, let offset, _, _):
            return offset.map { "\(problem) at byte \($0)" } ?? problem
        case .duplicatedKeysInMapping(let keys, let context):
            return "key \(keys.map { "'\($0)'" }.joined(separator: ", ")) given twice in the mapping at line \(context.mark.line)"
        default:
            return firstLine("\(error)")
        }
    }

    static func firstLine(_ text: String) -> String {
        text.split(separator: "\n").first.map(String.init) ?? text
    }

    /// Why `v` is not in `range`, in the operator's terms.
    /// Where the upper bound is only a sanity limit, the lower one is what matters.
    static func rangeProblem(_ v: Int, _ range: ClosedRange<Int>) -> String {
        let unbounded = range.upperBound >= Int(Int32.max)
        if unbounded && v < 0 && range.lowerBound == 0 { return "\(v) is negative" }
        if unbounded && v < range.lowerBound { return "\(v) is below the minimum \(range.lowerBound)" }
        return "\(v) is out of range \(range.lowerBound)...\(range.upperBound)"
    }

    func describe(_ n: Node) -> String {
        switch n {
        case .scalar(let s): return "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A mapping whose keys must all be `known`.
    func mapping(_ n: Node, _ key: String, known: [String]) throws(ConfigError) -> [String: Node] {
        guard case .mapping(let m) = n else { throw error(key.isEmpty ? "(top level)" : key, "expected a mapping, got \(describe(n))") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let name = k.string else { throw error(key, "a key is not a string") }
            let path = key.isEmpty ? name : "\(key).\(name)"
            guard known.contains(name) else { throw error(path, "unknown key (known: \(known.joined(separator: ", ")))") }
            if out[name] != nil { throw error(path, "given twice") }
            out[name] = v
        }
        return out
    }

    func string(_ n: Node, _ key: String) throws(ConfigError) -> String {
        guard case .scalar(let s) = n else { throw error(key, "expected a string, got \(describe(n))") }
        return s.string
    }

    func bool(_ n: Node, _ key: String) throws(ConfigError) -> Bool {
        guard case .scalar(let s) = n else { throw error(key, "expected true or false, got \(describe(n))") }
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, got \"\(s.string)\"")
        }
    }

    func int(_ n: Node, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let s) = n, let v = Int(s.string.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, "expected an integer, got \(describe(n))")
        }
        guard range.contains(v) else { throw error(key, Self.rangeProblem(v, range)) }
        return v
    }

    func bytes(_ n: Node, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .scalar(let s) = n, let v = ConfigValues.bytes(s.string.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, "expected a size (bytes, or e.g. \"512MiB\"), got \(describe(n))")
        }
        guard range.contains(v) else { throw error(key, Self.rangeProblem(v, range)) }
        return v
    }

    /// A duration in seconds, not negative, at most `high`; 0 only where it means "off".
    func seconds(_ n: Node, _ key: String, zeroAllowed: Bool, atMost high: Double) throws(ConfigError) -> Double {
        guard case .scalar(let s) = n, let v = ConfigValues.seconds(s.string) else {
            throw error(key, "expected a duration (seconds, or e.g. \"500ms\"), got \(describe(n))")
        }
        func text(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }
        if v < 0 { throw error(key, "\(text(v)) s is negative") }
        if v == 0 && !zeroAllowed { throw error(key, "must be more than 0 s") }
        if v > high { throw error(key, "\(text(v)) s is above the maximum \(text(high)) s") }
        return v
    }

    func source(_ n: Node, _ key: String, receive: DaemonConfig.Receive) throws(ConfigError) -> DaemonConfig.Source {
        let m = try mapping(n, key, known: ["endpoint", "io_group", "tagged", "name", "rcvhwm", "validate", "curve"])
        guard let e = m["endpoint"] else { throw error("\(key).endpoint", "missing") }
        let endpoint = try string(e, "\(key).endpoint")
        if let p = ConfigValues.endpointProblem(endpoint) { throw error("\(key).endpoint", p) }
        let tagged = try m["tagged"].map { (v: Node) throws(ConfigError) in try bool(v, "\(key).tagged") } ?? false
        let tagging: DaemonConfig.Source.Tagging
        switch (m["io_group"], tagged) {
        case (.some, true): throw error("\(key).io_group", "a tagged source takes its io_group from each message; remove io_group or tagged")
        case (.some(let g), false): tagging = .ioGroup(UInt8(try int(g, "\(key).io_group", in: 0...255)))
        case (.none, true): tagging = .tagged
        case (.none, false): throw error(key, "needs io_group (0-255) or tagged: true")
        }
        let name = try m["name"].map { (v: Node) throws(ConfigError) in
            let given = try string(v, "\(key).name")
            if given.isEmpty { throw error("\(key).name", "is empty (omit it for the default io_groupN)") }
            return given
        }
            ?? { if case .ioGroup(let g) = tagging { return "io_group\(g)" } else { return endpoint } }()
        let hwm = try m["rcvhwm"].map { (v: Node) throws(ConfigError) in try int(v, "\(key).rcvhwm", in: 0...Int(Int32.max)) }
        let validate = try m["validate"].map { (v: Node) throws(ConfigError) in try validation(v, "\(key).validate") }
        let curve = try m["curve"].map { (v: Node) throws(ConfigError) in try self.curve(v, "\(key).curve", baseDirectory: baseDirectory) }
        return .init(endpoint: endpoint, tagging: tagging, name: name, rcvhwm: hwm, validate: validate, curve: curve)
    }
}
