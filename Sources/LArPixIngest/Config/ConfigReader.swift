import Foundation
import Logging
import Yams

/// Typed access to YAML nodes, each failure a ConfigError naming the key.
package struct ConfigReader {
    let file: String
    /// Where relative paths in the file (key files) are resolved.
    var baseDirectory = "."

    func error(_ key: String, _ problem: String) -> ConfigError { ConfigError(file: file, key: key, problem: problem) }

    /// A path from the file: relative ones are relative to the configuration file's directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") || baseDirectory == "." ? path : (baseDirectory as NSString).appendingPathComponent(path)
    }

    /// `log_level: info` (one of swift-log's levels).
    func logLevel(_ n: Node, _ key: String) throws(ConfigError) -> Logger.Level {
        let s = try string(n, key)
        guard let level = Logger.Level(rawValue: s) else {
            throw error(key, "\"\(s)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

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
        let curve = try m["curve"].map { (v: Node) throws(ConfigError) in try self.curve(v, "\(key).curve") }
        return .init(endpoint: endpoint, tagging: tagging, name: name, rcvhwm: hwm, validate: validate, curve: curve)
    }
}
