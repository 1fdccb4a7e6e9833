import Foundation

/// Names output files from `output.filename`: strftime fields (local time; %Z is the zone),
/// `{seq}` (a per-run counter, 4 digits, or `{seq:N}` for N) and `{host}` (the host name, reduced
/// to letters, digits, '.', '_' and '-'). A name never leaves the output directory, and never
/// names an existing file unless appending is allowed.
public struct FileNamer: Sendable {
    public let pattern: String
    public let host: String
    /// The next {seq} value.
    public private(set) var seq = 0

    public init(pattern: String, host: String = FileNamer.hostName()) {
        self.pattern = pattern
        self.host = host
    }

    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        let raw = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let clean = String(raw.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) ? Character($0) : "_" })
        return clean.isEmpty ? "localhost" : clean
    }

    /// Why `pattern` cannot name files in the output directory, or nil when it can.
    public static func patternProblem(_ pattern: String) -> String? {
        if pattern.isEmpty { return "is empty" }
        if pattern.contains("/") { return "\"\(pattern)\" contains '/': files stay in output.directory" }
        if pattern.contains("..") { return "\"\(pattern)\" contains '..'" }
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return "\"\(pattern)\" has an unclosed {" }
            let field = rest[rest.index(after: open)..<close]
            let ok = field == "seq" || field == "host" || (field.hasPrefix("seq:") && Int(field.dropFirst(4)).map { (1...12).contains($0) } == true)
            if !ok { return "\"\(pattern)\" has unknown field {\(field)} (known: {seq}, {seq:N}, {host})" }
            rest = rest[rest.index(after: close)...]
        }
        let sample = FileNamer(pattern: pattern, host: "host").expand(date: Date(timeIntervalSince1970: 1_700_000_000), seq: 0)
        if sample.isEmpty || sample == "." || sample.contains("/") || sample.contains("..") {
            return "\"\(pattern)\" expands to \"\(sample)\", which is not a file name in output.directory"
        }
        return nil
    }

    /// The pattern with every field filled in.
    public func expand(date: Date, seq: Int) -> String {
        var s = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            s += rest[..<open]
            let field = rest[rest.index(after: open)..<close]
            if field == "host" {
                s += host
            } else if field.hasPrefix("seq") {
                let width = field.hasPrefix("seq:") ? Int(field.dropFirst(4)) ?? 4 : 4
                let digits = String(seq)
                s += String(repeating: "0", count: max(0, width - digits.count)) + digits
            } else {
                s += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        s += rest
        return Self.strftime(s, date)
    }

    static func strftime(_ format: String, _ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 4096)
        let n = Glibc.strftime(&buf, buf.count, format, &tmv)
        return n == 0 && !format.isEmpty ? format : buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The path of the next file in `directory`. With `allowExisting`, the expanded name is used
    /// even if it exists (to append to it); otherwise a clash takes the next {seq}, or (without
    /// {seq} in the pattern) a suffix _1, _2, … before the extension.
    public mutating func next(in directory: String, date: Date = Date(), allowExisting: Bool = false,
                              exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let hasSeq = pattern.contains("{seq")
        var name = expand(date: date, seq: seq)
        seq += 1
        if allowExisting { return path(name) }
        if hasSeq {
            while exists(path(name)) { name = expand(date: date, seq: seq); seq += 1 }
            return path(name)
        }
        guard exists(path(name)) else { return path(name) }
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        var k = 1
        while true {
            let candidate = ext.isEmpty ? "\(stem)_\(k)" : "\(stem)_\(k).\(ext)"
            if !exists(path(candidate)) { return path(candidate) }
            k += 1
        }
    }
}
