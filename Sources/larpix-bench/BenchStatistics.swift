import Foundation

/// Medians and percentiles of a few measurements (the suite quotes medians of several runs).
enum BenchStatistics {
    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// Nearest-rank percentile, p in 0...100.
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        let rank = Int((p / 100 * Double(s.count)).rounded(.up))
        return s[min(max(rank, 1), s.count) - 1]
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// One JSON object on stdout: numbers and strings only, keys in the given order.
func printJSON(_ fields: KeyValuePairs<String, Any>) {
    var parts: [String] = []
    for (k, v) in fields {
        let value: String
        switch v {
        case let d as Double: value = jsonNumber(d)
        case let t as MonotonicTime: value = String(format: "%.6f", t.seconds)
        case let i as Int: value = String(i)
        case let s as String: value = "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case let a as [Double]: value = "[" + a.map(jsonNumber).joined(separator: ", ") + "]"
        default: value = "\"\(v)\""
        }
        parts.append("\"\(k)\": \(value)")
    }
    print("{" + parts.joined(separator: ", ") + "}")
}

/// A CLOCK_MONOTONIC time for printJSON: microseconds kept (%.6g would keep 0.1 s of an uptime
/// of days).
struct MonotonicTime { var seconds: Double }

private func jsonNumber(_ d: Double) -> String { d.isFinite ? String(format: "%.6g", d) : "null" }

/// Turns a failing C call's error buffer into a thrown error.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

func callC(_ what: String, _ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
    var err = [CChar](repeating: 0, count: 512)
    let rc = err.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    if rc != 0 { throw BenchFailure(description: "\(what): " + String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
}

/// C strings for an endpoint list, alive for the duration of `body`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    let owned = strings.map { strdup($0)! }
    defer { owned.forEach { free($0) } }
    let ptrs: [UnsafePointer<CChar>?] = owned.map { UnsafePointer($0) }
    return try ptrs.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
