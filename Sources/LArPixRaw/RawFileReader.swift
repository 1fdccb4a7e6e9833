import CHDF5
import Foundation
import HDF5

/// Reads a raw file, by default in SWMR-read mode so that a file still being written can be read.
/// Not thread-safe; one thread uses a reader.
public final class RawFileReader {
    public let path: String
    public let metadata: RawFileMetadata
    public let version: FormatVersion

    private let file: H5File
    private let objects: RawFileLayout.Objects
    private let messageMemoryType: H5Datatype
    private let headerMemoryType: H5Datatype

    /// Opens `path`, refusing (with a `RawFileError` naming the reason) anything that is not a
    /// v0.x raw file this build can read.
    public init(path: String, swmr: Bool = true) throws(RawFileError) {
        try RawFileLayout.checkReadablePath(path)
        do { file = try H5File.open(path, mode: swmr ? .swmrRead : .readOnly) } catch { throw RawFileError.from(error, path: path) }
        self.path = path
        objects = try RawFileLayout.openObjects(in: file)
        metadata = try RawFileMetadata.read(from: objects.meta, path: path)
        version = try metadata.parsedVersion(path: path)
        guard version.major == FormatVersion.latestFile.major else {
            throw .versionRefused(path: path, what: "version", file: metadata.version, requested: "a 0.x file (this build reads 0.x)")
        }
        do {
            messageMemoryType = try RawFileLayout.messageMemoryType()
            headerMemoryType = try RawFileLayout.headerMemoryType()
        } catch { throw RawFileError.from(error, path: path) }
    }

    private func h5<T>(_ body: () throws(H5Error) -> T) throws(RawFileError) -> T {
        do { return try body() } catch { throw RawFileError.from(error, path: path) }
    }

    /// Row counts of both datasets as last seen (no refresh).
    public func lengths() throws(RawFileError) -> (messages: Int, headers: Int) {
        (try h5 { () throws(H5Error) in try objects.messages.count() },
         try h5 { () throws(H5Error) in try objects.headers.count() })
    }

    /// Re-reads both datasets' lengths from the file (a live writer may have appended).
    public func refresh() throws(RawFileError) {
        try h5 { () throws(H5Error) in
            try objects.messages.refresh()
            try objects.headers.refresh()
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
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        defer { buffer.deallocate() }
        try h5 { () throws(H5Error) in try objects.headers.read(into: buffer, memType: headerMemoryType, start: start, count: count) }
        return Array(UnsafeBufferPointer(start: buffer, count: count))
    }

    /// Reads rows [start, start+count) and hands HDF5's descriptors to `body` without copying;
    /// the memory is freed when `body` returns.
    func withDescriptors<T>(start: Int, count: Int,
                            _ body: (UnsafeBufferPointer<hvl_t>, UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T) throws(RawFileError) -> T {
        let groups = try readIOGroups(start: start, count: count)
        let d = UnsafeMutablePointer<hvl_t>.allocate(capacity: max(count, 1))
        d.initialize(repeating: hvl_t(len: 0, p: nil), count: max(count, 1))
        defer { d.deallocate() }
        // Reclaim also after a failed read: HDF5 may have filled some descriptors before failing
        // (a live file's reader fails like that routinely), and untouched ones are empty.
        defer { H5Dataset.reclaimVariableLength(d, memType: messageMemoryType, count: count) }
        if count > 0 {
            try h5 { () throws(H5Error) in try objects.messages.read(into: d, memType: messageMemoryType, start: start, count: count) }
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
        try h5 { () throws(H5Error) in
            try objects.messages.close()
            try objects.headers.close()
            try objects.meta.close()
            try file.close()
        }
    }
}
