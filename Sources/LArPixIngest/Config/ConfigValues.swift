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
        if e.hasPrefix("ipc://") { return e.count > 6 ? nil : "\"\(e)\": ipc endpoint has no path" }
        if e.hasPrefix("inproc://") { return e.count > 9 ? nil : "\"\(e)\": inproc endpoint has no name" }
        guard e.hasPrefix("tcp://") else { return "\"\(e)\" is not tcp://HOST:PORT (or ipc://, inproc://)" }
        if let p = hostPortProblem(e.dropFirst(6), listening: false) { return "\"\(e)\" \(p)" }
        return nil
    }

    /// "HOST:PORT" to listen on ("*:PORT" and "[::]:PORT" too); the reason when not.
    static func listenProblem(_ address: String) -> String? {
        hostPortProblem(Substring(address), listening: true).map { "\"\(address)\" \($0) (HOST:PORT; empty = off)" }
    }

    /// Checks "HOST:PORT": a host without blanks (an IPv6 address in brackets), port 1-65535.
    /// Only a listening address may use the wildcard host "*".
    private static func hostPortProblem(_ hp: Substring, listening: Bool) -> String? {
        guard let colon = hp.lastIndex(of: ":") else { return "has no :PORT" }
        let host = hp[..<colon], port = hp[hp.index(after: colon)...]
        if host.isEmpty || (host == "*" && !listening) { return "has no host to connect to" }
        if host.contains(where: { $0.isWhitespace || $0 == "/" }) { return "has a blank or '/' in its host" }
        let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
        if host.contains(":") && !bracketed { return "has an IPv6 host without [brackets]" }
        guard port.allSatisfy(\.isASCII), let p = Int(port), (1...65535).contains(p) else { return "has port \"\(port)\", not 1-65535" }
        return nil
    }
}
