import Foundation

/// Sizes ("1GiB", "512 MiB", "64kB", 1048576) and durations ("500ms", "2s", "1m", 0.5) as
/// operators write them.
enum ConfigValues {
    static let sizeUnits: [(String, Double)] = [
        ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("t", 1_099_511_627_776), ("b", 1),
    ]

    /// Bytes, or nil when the text is not a size.
    static func bytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let n = Int(t) { return n }
        for (unit, factor) in sizeUnits where t.hasSuffix(unit) {
            let number = t.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v.isFinite else { return nil }
            let r = (v * factor).rounded()
            return r < Double(Int.max) ? Int(r) : nil
        }
        return nil
    }

    static let durationUnits: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]

    /// Seconds, or nil when the text is not a duration.
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let v = Double(t), v.isFinite { return v }
        for (unit, factor) in durationUnits where t.hasSuffix(unit) {
            let number = t.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
            if let v = Double(number), v.isFinite { return v * factor }
        }
        return nil
    }

    /// "tcp://HOST:PORT" (port 1-65535), "ipc://PATH" or "inproc://NAME"; the reason when not.
    static func endpointProblem(_ e: String) -> String? {
        if e.hasPrefix("ipc://") { return e.count > 6 ? nil : "ipc endpoint has no path" }
        if e.hasPrefix("inproc://") { return e.count > 9 ? nil : "inproc endpoint has no name" }
        guard e.hasPrefix("tcp://") else { return "\"\(e)\" is not tcp://HOST:PORT (or ipc://, inproc://)" }
        let rest = e.dropFirst(6)
        guard let colon = rest.lastIndex(of: ":") else { return "\"\(e)\" has no :PORT" }
        let host = rest[..<colon], port = rest[rest.index(after: colon)...]
        if host.isEmpty || host == "*" { return "\"\(e)\" has no host to connect to" }
        guard let p = Int(port), (1...65535).contains(p) else { return "\"\(e)\" has port \"\(port)\", not 1-65535" }
        return nil
    }
}
