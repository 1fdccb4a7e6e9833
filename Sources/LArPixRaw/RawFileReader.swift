import CHDF5
import Foundation
import HDF5

/// Reads a raw file, by default in SWMR-read mode so that a file still being written can be read.
/// Not thread-safe; one thread uses a reader.
///
/// Files HDF5 1.10.8 (the library this project links) cannot open because a newer HDF5 wrote
/// them (datatype message v4/v5, layout message v5: pip's h5py over HDF5 1.12 to 2.x) are read
/// through HDF5Native instead, with the same API; appending to them stays refused (exit 16).
public final class RawFileReader {
    public let path: String
    public let metadata: RawFileMetadata
    public let version: FormatVersion

    /// Which reader reads the file.
    public enum ReadPath: String, Sendable {
        /// HDF5, and HDF5Native where HDF5 refuses the file as a newer format.
        case automatic
        /// HDF5 only.
        case hdf5
        /// HDF5Native only (the testing switch: `LARPIX_RAW_READER=native`).
        case native

        /// `LARPIX_RAW_READER` (automatic, hdf5 or native), automatic when unset or unknown.
        public static var fromEnvironment: ReadPath {
            ProcessInfo.processInfo.environment["LARPIX_RAW_READER"].flatMap(ReadPath.init(rawValue:)) ?? .automatic
        }
    }

    /// The reader this file is read with: `.hdf5` or `.native`.
    public let readPath: ReadPath

    /// The file through HDF5.
    private struct HDF5Objects {
        let file: H5File
        let objects: RawFileLayout.Objects
        let messageMemoryType: H5Datatype
        let headerMemoryType: H5Datatype
        let metadata: RawFileMetadata

        init(path: String, swmr: Bool) throws(RawFileError) {
            do { file = try H5File.open(path, mode: swmr ? .swmrRead : .readOnly) } catch { throw RawFileError.from(error, path: path) }
            objects = try RawFileLayout.openObjects(in: file)
            metadata = try RawFileMetadata.read(from: objects.meta, path: path)
            do {
                messageMemoryType = try RawFileLayout.messageMemoryType()
                headerMemoryType = try RawFileLayout.headerMemoryType()
            } catch { throw RawFileError.from(error, path: path) }
        }
    }

    private let hdf5: HDF5Objects?
    private let native: NativeRawFile?

    /// Opens `path`, refusing (with a `RawFileError` naming the reason) anything that is not a
    /// v0.x raw file this build can read.
    public init(path: String, swmr: Bool = true, readPath requested: ReadPath = .fromEnvironment) throws(RawFileError) {
        try RawFileLayout.checkReadablePath(path)
        self.path = path
        switch requested {
        case .native:
            (hdf5, native) = (nil, try NativeRawFile(path: path))
        case .hdf5:
            (hdf5, native) = (try HDF5Objects(path: path, swmr: swmr), nil)
        case .automatic:
            do {
                (hdf5, native) = (try HDF5Objects(path: path, swmr: swmr), nil)
            } catch .newerHDF5Format(let p, let detail) {
                // What the native reader does not implement either stays HDF5's refusal.
                do { (hdf5, native) = (nil, try NativeRawFile(path: path)) } catch .newerHDF5Format(_, let why) {
                    throw .newerHDF5Format(path: p, detail: "\(detail); \(why)")
                }
            }
        }
        readPath = native == nil ? .hdf5 : .native
        metadata = hdf5?.metadata ?? native!.metadata
        version = try metadata.parsedVersion(path: path)
        guard version.major == FormatVersion.latestFile.major else {
            throw .versionRefused(path: path, what: "version", file: metadata.version, requested: "a 0.x file (this build reads 0.x)")
        }
    }

    private func h5<T>(_ body: () throws(H5Error) -> T) throws(RawFileError) -> T {
        do { return try body() } catch { throw RawFileError.from(error, path: path) }
    }

    /// Row counts of both datasets as last seen (no refresh).
    public func lengths() throws(RawFileError) -> (messages: Int, headers: Int) {
        guard let h = hdf5 else { return native!.lengths() }
        return (try h5 { () throws(H5Error) in try h.objects.messages.count() },
                try h5 { () throws(H5Error) in try h.objects.headers.count() })
    }

    /// Re-reads both datasets' lengths from the file (a live writer may have appended).
    public func refresh() throws(RawFileError) {
        guard let h = hdf5 else { return try native!.refresh() }
        try h5 { () throws(H5Error) in
            try h.objects.messages.refresh()
            try h.objects.headers.refresh()
        }
    }

    /// The number of messages, once both datasets agree. `attempts` as in the reference:
    /// > 0 looks that many times (refreshing between looks), < 0 until they agree, 0 does not check.
    public func count(attempts: Int = 1, pause: TimeInterval = 0.001) throws(RawFileError) -> Int {
        var (m, h) = try lengths()
        if attempts == 0 || m == h { return m }
        var tried = 1
        while attempts < 0 || tried < attempts {
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            try refresh()
            (m, h) = try lengths()
            if m == h { return m }
            tried += 1
        }
        throw .unequalLengths(path: path, msgs: m, headers: h)
    }

    /// io_group of rows [start, start+count).
    public func readIOGroups(start: Int, count: Int) throws(RawFileError) -> [UInt8] {
        guard count > 0 else { return [] }
        guard let h = hdf5 else { return try native!.readIOGroups(start: start, count: count) }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        defer { buffer.deallocate() }
        try h5 { () throws(H5Error) in try h.objects.headers.read(into: buffer, memType: h.headerMemoryType, start: start, count: count) }
        return Array(UnsafeBufferPointer(start: buffer, count: count))
    }

    /// How message bytes are read: through HDF5, or directly from the file (see `DirectHeapReader`).
    enum HeapReads { case automatic, hdf5, direct }
    /// `.automatic`: directly whenever `DirectHeapReader` understands the file (any raw file
    /// this project or larpix-control writes), through HDF5 otherwise. Not only live files: a
    /// file whose writer was killed mid-flush, its mark then cleared, has the same torn
    /// collections, and HDF5 would hang on it just the same. Tests force either path.
    var heapReads: HeapReads = .automatic
    private var direct: DirectHeapReader??

    private func directReader(_ h: HDF5Objects) throws(RawFileError) -> DirectHeapReader? {
        if let d = direct { return d }
        let d = try DirectHeapReader(path: path, dataset: h.objects.messages)
        direct = .some(d)
        return d
    }

    /// Reads rows [start, start+count) and hands HDF5's descriptors to `body` without copying;
    /// the memory is freed when `body` returns.
    func withDescriptors<T>(start: Int, count: Int,
                            _ body: (UnsafeBufferPointer<hvl_t>, UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T) throws(RawFileError) -> T {
        let groups = try readIOGroups(start: start, count: count)
        guard let h = hdf5 else {
            return try native!.withDescriptors(start: start, count: count) { (d) throws(RawFileError) -> T in
                try groups.withUnsafeBufferPointer { (g: UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T in try body(d, g) }
            }
        }
        let useDirect: Bool
        switch heapReads {
        case .hdf5: useDirect = false
        case .direct: useDirect = true
        case .automatic: useDirect = count > 0
        }
        if useDirect, let reader = try directReader(h) {
            let d = UnsafeMutablePointer<hvl_t>.allocate(capacity: max(count, 1))
            d.initialize(repeating: hvl_t(len: 0, p: nil), count: max(count, 1))
            defer { d.deallocate() }
            let pins = try reader.read(h.objects.messages, start: start, count: count, into: d)
            return try withExtendedLifetime(pins) { () throws(RawFileError) -> T in
                try groups.withUnsafeBufferPointer { (g: UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T in
                    try body(UnsafeBufferPointer(start: d, count: count), g)
                }
            }
        }
        let d = UnsafeMutablePointer<hvl_t>.allocate(capacity: max(count, 1))
        d.initialize(repeating: hvl_t(len: 0, p: nil), count: max(count, 1))
        defer { d.deallocate() }
        // Reclaim also after a failed read: HDF5 may have filled some descriptors before failing
        // (a live file's reader fails like that routinely), and untouched ones are empty.
        defer { H5Dataset.reclaimVariableLength(d, memType: h.messageMemoryType, count: count) }
        if count > 0 {
            try h5 { () throws(H5Error) in try h.objects.messages.read(into: d, memType: h.messageMemoryType, start: start, count: count) }
        }
        return try groups.withUnsafeBufferPointer { (g: UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T in
            try body(UnsafeBufferPointer(start: d, count: count), g)
        }
    }

    /// Calls `body(index, bytes, ioGroup)` for rows [start, start+count), valid only during the call.
    public func withMessages(start: Int, count: Int,
                             _ body: (Int, UnsafeRawBufferPointer, UInt8) throws -> Void) throws {
        try withDescriptors(start: start, count: count) { (d, g) throws(RawFileError) in
            do {
                for i in 0..<d.count {
                    try body(start + i, UnsafeRawBufferPointer(start: d[i].p, count: d[i].len), g[i])
                }
            } catch let e as RawFileError { throw e } catch { throw .invalidArgument(path: path, reason: "\(error)") }
        }
    }

    /// Copies rows [start, start+count) out as byte arrays.
    public func readMessages(start: Int, count: Int) throws(RawFileError) -> (messages: [[UInt8]], ioGroups: [UInt8]) {
        try withDescriptors(start: start, count: count) { (d, g) throws(RawFileError) in
            (d.map { Array(UnsafeRawBufferPointer(start: $0.p, count: $0.len)) }, Array(g))
        }
    }

    /// Streams rows in `range` in blocks that keep memory flat: the block shrinks when its
    /// messages are large and grows when they are small.
    public func forEachBlock(in range: Range<Int>, maxBlockBytes: Int = 64 << 20,
                             _ body: (_ start: Int, _ messages: UnsafeBufferPointer<hvl_t>, _ ioGroups: UnsafeBufferPointer<UInt8>) throws(RawFileError) -> Void) throws(RawFileError) {
        // The first block is small (a file of 4 MiB messages must not start with a 4 GiB block);
        // then each block is sized from the mean message size seen so far, aiming at a quarter
        // of the budget, growing at most 4x per block.
        var start = range.lowerBound
        var block = 16
        let target = max(1, maxBlockBytes / 4)
        while start < range.upperBound {
            let n = min(block, range.upperBound - start)
            let bytes = try withDescriptors(start: start, count: n) { (d, g) throws(RawFileError) -> Int in
                try body(start, d, g)
                return d.reduce(0) { $0 + $1.len }
            }
            start += n
            let mean = max(1, bytes / max(n, 1))
            block = min(max(1, target / mean), block * 4, 1 << 17)
        }
    }

    public func close() throws(RawFileError) {
        direct = nil
        guard let h = hdf5 else { return }             // the native reader closes its file when released
        try h5 { () throws(H5Error) in
            try h.objects.close(with: h.file)
        }
    }
}
