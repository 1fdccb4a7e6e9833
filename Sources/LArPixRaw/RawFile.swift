import Foundation

/// What `RawFile.read` returns: the reference's `from_rawfile` dictionary, typed.
public struct RawFileContents: Sendable, Equatable {
    public var created: Double
    public var modified: Double
    /// The effective version: the file's major with min(file minor, requested minor).
    public var version: String
    public var ioVersion: String?
    /// nil when only headers were asked for.
    public var messages: [[UInt8]]?
    /// Header field name to values, one per message (v0.0: "io_groups").
    public var headers: [String: [Int]]
}

/// One-shot functions with the semantics of larpix-control's `to_rawfile`, `from_rawfile` and
/// `len_rawfile` (FORMAT.md section 2), minus the reference's bugs: minor versions compare as
/// integers, and a waiting length check refreshes between looks.
public enum RawFile {
    /// Creates `path` or appends to it. `messages == nil` only creates the file or updates
    /// meta/modified. `headers` maps field names to one value per message; a missing field is
    /// filled with 0, an unknown field or a length mismatch is an error.
    public static func write(_ path: String, messages: [[UInt8]]? = nil, version: String? = nil,
                             headers: [String: [Int]]? = nil, ioVersion: String? = nil) throws(RawFileError) {
        var ioGroups: [UInt8] = []
        if let messages {
            ioGroups = try headerColumn(headers, count: messages.count, path: path)
        } else if let headers, let bad = headers.keys.first(where: { $0 != RawFileLayout.ioGroupsField }) {
            throw .badHeaders(path: path, reason: "unknown message header field \"\(bad)\"")
        }
        let writer: RawFileWriter
        if FileManager.default.fileExists(atPath: path) {
            writer = try RawFileWriter.openForAppend(path, version: version, ioVersion: ioVersion)
        } else {
            let v: FormatVersion
            if let version {
                guard let parsed = FormatVersion(version) else {
                    throw .invalidArgument(path: path, reason: "version \"\(version)\" is not major.minor")
                }
                v = parsed
            } else { v = .latestFile }
            writer = try RawFileWriter.create(path, version: v, ioVersion: ioVersion)
        }
        if let messages {
            try writer.append(messages: messages, ioGroups: ioGroups)
        }
        try writer.close()
    }

    private static func headerColumn(_ headers: [String: [Int]]?, count: Int, path: String) throws(RawFileError) -> [UInt8] {
        for (key, values) in headers ?? [:] {
            guard key == RawFileLayout.ioGroupsField else {
                throw .badHeaders(path: path, reason: "unknown message header field \"\(key)\"")
            }
            guard values.count == count else {
                throw .badHeaders(path: path, reason: "\(count) messages but header field \(key) has \(values.count) values")
            }
        }
        guard let column = headers?[RawFileLayout.ioGroupsField] else { return [UInt8](repeating: 0, count: count) }
        var out = [UInt8]()
        out.reserveCapacity(count)
        for v in column {
            guard let b = UInt8(exactly: v) else {
                throw .badHeaders(path: path, reason: "io_groups value \(v) does not fit in uint8")
            }
            out.append(b)
        }
        return out
    }

    /// Reads messages and headers. `start`/`end` are Python slice bounds (negative counts from
    /// the end, clamped); `mask`, when given, must be as long as the file and replaces them.
    public static func read(_ path: String, start: Int? = nil, end: Int? = nil, version: String? = nil,
                            ioVersion: String? = nil, headersOnly: Bool = false, mask: [Bool]? = nil,
                            attempts: Int = 1) throws(RawFileError) -> RawFileContents {
        let reader = try RawFileReader(path: path)
        defer { try? reader.close() }
        let md = reader.metadata
        let fileVersion = reader.version
        var effective = fileVersion
        if let version {
            guard let requested = FormatVersion(version) else {
                throw .invalidArgument(path: path, reason: "version \"\(version)\" is not major.minor")
            }
            guard fileVersion.satisfies(requested) else {
                throw .versionRefused(path: path, what: "version", file: md.version, requested: version)
            }
            effective = FormatVersion(major: fileVersion.major, minor: min(fileVersion.minor, requested.minor))
        }
        if let ioVersion, let fileIOText = md.ioVersion {
            guard let requested = FormatVersion(ioVersion) else {
                throw .invalidArgument(path: path, reason: "io_version \"\(ioVersion)\" is not major.minor")
            }
            guard let fileIO = FormatVersion(fileIOText), fileIO.satisfies(requested) else {
                throw .versionRefused(path: path, what: "io_version", file: fileIOText, requested: ioVersion)
            }
        }
        // attempts == 0 does not check that the datasets agree (the reference's meaning); the rows
        // read are then the ones both datasets have, so a torn append reads as its complete part.
        let n: Int
        if attempts == 0 {
            let (m, h) = try reader.lengths()
            n = min(m, h)
        } else {
            n = try reader.count(attempts: attempts)
        }
        var rows: [Range<Int>]
        if let mask {
            guard mask.count == n else {
                throw .invalidArgument(path: path, reason: "mask has \(mask.count) entries but the file has \(n) messages")
            }
            rows = runs(of: mask)
        } else {
            let r = sliceRange(start: start, end: end, count: n)
            rows = r.isEmpty ? [] : [r]
        }
        var groups: [Int] = []
        var messages: [[UInt8]]? = headersOnly ? nil : []
        for r in rows {
            if headersOnly {
                groups += try reader.readIOGroups(start: r.lowerBound, count: r.count).map(Int.init)
            } else {
                let (m, g) = try reader.readMessages(start: r.lowerBound, count: r.count)
                messages! += m
                groups += g.map(Int.init)
            }
        }
        return RawFileContents(created: md.created, modified: md.modified, version: effective.description,
                               ioVersion: md.ioVersion, messages: messages,
                               headers: [RawFileLayout.ioGroupsField: groups])
    }

    /// The number of messages (`len_rawfile`).
    public static func count(_ path: String, attempts: Int = 1) throws(RawFileError) -> Int {
        let reader = try RawFileReader(path: path)
        defer { try? reader.close() }
        return try reader.count(attempts: attempts)
    }

    /// Python's `slice(start, end).indices(count)` for step 1.
    public static func sliceRange(start: Int?, end: Int?, count: Int) -> Range<Int> {
        func clamp(_ v: Int?, _ dflt: Int) -> Int {
            guard var x = v else { return dflt }
            if x < 0 { x += count }
            return min(max(x, 0), count)
        }
        let s = clamp(start, 0), e = clamp(end, count)
        return s < e ? s..<e : s..<s
    }

    /// Contiguous runs of `true` in a mask, as ranges, so a mask reads in few HDF5 calls.
    static func runs(of mask: [Bool]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < mask.count {
            if mask[i] {
                var j = i
                while j < mask.count && mask[j] { j += 1 }
                out.append(i..<j)
                i = j
            } else { i += 1 }
        }
        return out
    }
}
