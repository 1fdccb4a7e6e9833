import Foundation
import LArPixRaw
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Names output files from `output.filename`: strftime fields (local time; %Z is the zone),
/// `{seq}` (a per-run counter, 4 digits, or `{seq:N}` for N digits), `{host}` (the host name,
/// reduced to A-Z a-z 0-9 . _ -), `{run}` (the file's run number, 7 digits as crs_daq names its
/// files, or `{run:N}`) and `{subrun}` (4 digits, or `{subrun:N}`). A file written with no run in
/// effect shows zeros there (run numbers start at 1, so 0000000 always means untagged). A name
/// never leaves the output directory, and never names an
/// existing file unless appending is asked for.
public struct FileNamer: Sendable {
    public let pattern: String
    public let host: String
    /// The {seq} value the next call to `next` tries first.
    public private(set) var seq: Int
    /// Names never given to a file (the latest link's).
    public var reserved: Set<String> = []

    /// Longest file name most Linux filesystems take (NAME_MAX).
    static let maxNameBytes = 255

    public init(pattern: String, host: String = FileNamer.hostName(), firstSeq: Int = 0) {
        self.pattern = pattern
        self.host = FileNamer.sanitizedHost(host)
        self.seq = firstSeq
    }

    /// This machine's name, fit for a file name.
    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        return sanitizedHost(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Keeps A-Z a-z 0-9 . _ - and turns anything else into '_' (so never '/'); ".." cannot
    /// survive either, since a host name made of dots is replaced whole.
    public static func sanitizedHost(_ raw: String) -> String {
        let clean = String(raw.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "._-".unicodeScalars.contains(s)) ? Character(s) : "_"
        })
        return clean.isEmpty || clean.allSatisfy({ $0 == "." }) ? "localhost" : clean
    }

    /// True when `name` is a plain file name: not empty, no '/', no "..", not too long.
    public static func isSafeFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && !name.contains("/") && !name.contains("..") && name.utf8.count <= maxNameBytes
    }

    /// Whether this pattern always names exactly `name` (a pattern without fields). One with
    /// fields never takes a reserved name at run time either (see `next`).
    public func canName(_ name: String) -> Bool {
        !pattern.contains("{") && !pattern.contains("%") && pattern == name
    }

    /// Why `pattern` cannot name files in the output directory, or nil when it can.
    public static func patternProblem(_ pattern: String) -> String? {
        if pattern.isEmpty { return "is empty" }
        if pattern.contains("/") { return "\"\(pattern)\" contains '/': files stay in output.directory" }
        if pattern.contains("..") { return "\"\(pattern)\" contains '..': files stay in output.directory" }
        if pattern.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character (newline, tab, NUL, ...)"
        }
        if pattern.contains("{}") { return "\"\(pattern)\" has an empty field {} (known: {seq}, {seq:N} with N 1-12, {host}, {run}, {run:N}, {subrun}, {subrun:N})" }
        if Self.endsInLonePercent(pattern) { return "\"\(pattern)\" ends in a lone '%' (write %% for a percent sign)" }
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return "\"\(pattern)\" has an unclosed {" }
            let field = rest[rest.index(after: open)..<close]
            if seqWidth(field) == nil && field != "host" && Self.width(field, "run", 7) == nil && Self.width(field, "subrun", 4) == nil {
                return "\"\(pattern)\" has unknown field {\(field)} (known: {seq}, {seq:N} with N 1-12, {host}, {run}, {run:N}, {subrun}, {subrun:N})"
            }
            rest = rest[rest.index(after: close)...]
        }
        // strftime fields such as %D put '/' in the name: only an expansion shows that.
        let sample = FileNamer(pattern: pattern, host: "host").expand(date: Date(timeIntervalSince1970: 1_700_000_000), seq: 0)
        if sample.utf8.count > maxNameBytes { return "\"\(pattern)\" expands to a name longer than \(maxNameBytes) bytes" }
        if sample.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "\"\(pattern)\" expands to a name with a control character (%n, %t)"
        }
        if !isSafeFileName(sample) {
            return "\"\(pattern)\" expands to \"\(sample)\", which is not a file name in output.directory"
        }
        return nil
    }

    /// An odd run of '%' at the end: a strftime field with no conversion letter.
    static func endsInLonePercent(_ pattern: String) -> Bool {
        pattern.reversed().prefix(while: { $0 == "%" }).count % 2 == 1
    }

    /// The digit count of a {seq} or {seq:N} field, nil for any other field.
    static func seqWidth(_ field: Substring) -> Int? { width(field, "seq", 4) }

    /// The digit count of a numeric field `{name}` (`standard` digits) or `{name:N}` (N 1-12).
    static func width(_ field: Substring, _ name: String, _ standard: Int) -> Int? {
        if field == name { return standard }
        guard field.hasPrefix(name + ":"), let n = Int(field.dropFirst(name.count + 1)), (1...12).contains(n) else { return nil }
        return n
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The pattern with every field filled in (unchecked: see `isSafeFileName`); `run` is the
    /// file's run tag (nil: {run} and {subrun} are zeros).
    public func expand(date: Date, seq: Int, run: RunTag? = nil) -> String {
        var s = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            s += rest[..<open]
            let field = rest[rest.index(after: open)..<close]
            if field == "host" {
                s += host
            } else if let width = Self.seqWidth(field) {
                s += Self.padded(seq, width)
            } else if let width = Self.width(field, "run", 7) {
                s += Self.padded(run?.run ?? 0, width)
            } else if let width = Self.width(field, "subrun", 4) {
                s += Self.padded(run?.subrun ?? 0, width)
            } else {
                s += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        s += rest
        return Self.strftime(s, date)
    }

    /// strftime in local time; "" when the result does not fit a file name's length.
    static func strftime(_ format: String, _ date: Date) -> String {
        // No field: nothing to fill in, and no tzset (a stat of /etc/localtime) on each rotation.
        guard format.contains("%") else { return format }
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var fields = tm()
        tzset()  // localtime_r alone may keep a TZ read earlier in the process
        localtime_r(&t, &fields)
        // strftime returns 0 both for an empty result and for overflow: a trailing marker tells
        // them apart (a pattern like "%p" can legitimately expand to nothing in some locales).
        var buf = [CChar](repeating: 0, count: 1024)
        let n = Glibc.strftime(&buf, buf.count, format + "|", &fields)
        guard n > 0 else { return "" }
        let out = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return String(out.dropLast())
    }

    /// The path of the next file in `directory`, never an existing one: a clash takes the next
    /// {seq}, or (without {seq} in the pattern) a suffix _1, _2, ... before the extension.
    /// With `allowExisting` (output.append) the expanded name is used even if the file exists,
    /// to append to it, unless `reusable` refuses it (the daemon refuses a file a crashed writer
    /// left marked open): then it is a clash like any other, and a new name is chosen.
    public mutating func next(in directory: String, date: Date = Date(), run: RunTag? = nil, allowExisting: Bool = false,
                              reusable: (String) -> Bool = { _ in true },
                              exists fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        // A reserved name (the latest link's) counts as taken, whatever is there now.
        let reserved = self.reserved
        func exists(_ p: String) -> Bool { reserved.contains((p as NSString).lastPathComponent) || fileExists(p) }
        var name = safeName(expand(date: date, seq: seq, run: run), date: date)
        seq += 1
        if !exists(path(name)) || (allowExisting && reusable(path(name))) { return path(name) }
        if pattern.contains("{seq") {
            repeat {
                name = safeName(expand(date: date, seq: seq, run: run), date: date)
                seq += 1
            } while exists(path(name))
            return path(name)
        }
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : String(name.dropLast(ext.count + 1))
        var k = 1
        while true {
            let candidate = ext.isEmpty ? "\(stem)_\(k)" : "\(stem)_\(k).\(ext)"
            if !exists(path(candidate)) { return path(candidate) }
            k += 1
        }
    }

    /// The configuration check refuses patterns whose expansion escapes the directory, but a
    /// namer built without it must not escape either: such a name becomes a plain one.
    private func safeName(_ name: String, date: Date) -> String {
        if Self.isSafeFileName(name) { return name }
        return "larpix_\(Int(date.timeIntervalSince1970))_\(seq).h5"
    }
}
extension FileNamer {
    /// Whether `output.append` may reopen `path`: not when its superblock still carries the
    /// SWMR-writer mark. Then a writer died with it open (kill -9, power loss); HDF5 would refuse
    /// it anyway, and after a crash its end of allocation may disagree with its size. The file is
    /// left as it is, readable (`larpix-raw`, `from_rawfile`), for `larpix-raw repair`; the daemon
    /// starts a new file instead.
    static func appendable(_ path: String, logger: Logger) -> Bool {
        guard SuperblockFlags.isMarkedOpenForWriting(path) else { return true }
        logger.warning("\(path) is still marked open by a writer (a crash?): not appending to it, starting a new file; `larpix-raw repair \(path)` makes it appendable again")
        return false
    }
}
