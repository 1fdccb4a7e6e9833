import Foundation

/// Merge and split with the behaviour of larpix-control's `scripts/raw_hdf5_tool.py`, streaming
/// in blocks (memory stays flat on files larger than RAM) and passing message bytes through
/// without copying them.
public enum RawFileTools {
    /// Progress: rows done and rows in all.
    public typealias Progress = (_ done: Int, _ total: Int) -> Void

    /// Concatenates `inputs` in order into a new file `output`, keeping the first file's metadata
    /// (created, modified, version, io_version). Files whose version or io_version differ from the
    /// first's are refused before anything is written.
    @discardableResult
    public static func merge(_ inputs: [String], into output: String, overwrite: Bool = false,
                             progress: Progress? = nil) throws(RawFileError) -> Int {
        guard !inputs.isEmpty else { throw .invalidArgument(path: output, reason: "no input files to merge") }
        var readers: [RawFileReader] = []
        defer { for r in readers { try? r.close() } }
        var total = 0
        for path in inputs {
            let r = try RawFileReader(path: path)
            readers.append(r)
            if let first = readers.first, first !== r {
                if r.metadata.version != first.metadata.version {
                    throw .versionRefused(path: path, what: "version", file: r.metadata.version, requested: "\(first.metadata.version) (of \(first.path))")
                }
                if r.metadata.ioVersion != first.metadata.ioVersion {
                    throw .versionRefused(path: path, what: "io_version", file: r.metadata.ioVersion, requested: "\(first.metadata.ioVersion ?? "(none)") (of \(first.path))")
                }
            }
            total += try r.count()
        }
        if overwrite && FileManager.default.fileExists(atPath: output) {
            if inputs.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL == URL(fileURLWithPath: output).standardizedFileURL }) {
                throw .invalidArgument(path: output, reason: "the output is also an input")
            }
            try? FileManager.default.removeItem(atPath: output)
        }
        let md = readers[0].metadata
        let w = try RawFileWriter.create(output, version: readers[0].version, ioVersion: md.ioVersion,
                                         now: md.modified, created: md.created)
        w.updatesModified = false
        var done = 0
        for r in readers {
            try r.forEachBlock(in: 0..<(try r.count())) { (_, d, g) throws(RawFileError) in
                try w.append(descriptors: d, ioGroups: g)
                done += d.count
                progress?(done, total)
            }
        }
        try w.close()
        return done
    }

    /// Splits `input` (NAME.h5) into DIR/NAME.0.h5, NAME.1.h5, …, starting a new part before a
    /// message would take the current part's message bytes past `maxBytes` (a part always holds at
    /// least one message; `maxBytes` <= 0 gives one part). Each part keeps the input's metadata.
    /// Returns the paths written.
    @discardableResult
    public static func split(_ input: String, maxBytes: Int, into directory: String,
                             progress: Progress? = nil) throws(RawFileError) -> [String] {
        let r = try RawFileReader(path: input)
        defer { try? r.close() }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw .notWritable(path: directory, reason: "output directory does not exist")
        }
        var base = (input as NSString).lastPathComponent
        if base.hasSuffix(".h5") { base.removeLast(3) }
        let n = try r.count()
        let md = r.metadata
        var parts: [String] = []
        var current: RawFileWriter? = nil
        var partBytes = 0
        func startPart() throws(RawFileError) -> RawFileWriter {
            if let c = current { try c.close() }
            let p = (directory as NSString).appendingPathComponent("\(base).\(parts.count).h5")
            let w = try RawFileWriter.create(p, version: r.version, ioVersion: md.ioVersion, now: md.modified, created: md.created)
            w.updatesModified = false
            parts.append(p)
            current = w
            partBytes = 0
            return w
        }
        var done = 0
        try r.forEachBlock(in: 0..<n) { (_, d, g) throws(RawFileError) in
            var from = 0
            while from < d.count {
                var w: RawFileWriter
                if let c = current { w = c } else { w = try startPart() }
                if maxBytes > 0 && partBytes > 0 && partBytes + d[from].len > maxBytes { w = try startPart() }
                // Take as many rows as fit in this part.
                var to = from
                var bytes = 0
                while to < d.count && (maxBytes <= 0 || to == from && partBytes == 0 || partBytes + bytes + d[to].len <= maxBytes) {
                    bytes += d[to].len
                    to += 1
                }
                try w.append(descriptors: UnsafeBufferPointer(rebasing: d[from..<to]), ioGroups: UnsafeBufferPointer(rebasing: g[from..<to]))
                partBytes += bytes
                from = to
            }
            done += d.count
            progress?(done, n)
        }
        if current == nil { _ = try startPart() }
        try current?.close()
        return parts
    }
}
