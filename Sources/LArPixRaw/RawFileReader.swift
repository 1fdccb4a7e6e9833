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

    /// How message bytes are read: through HDF5, or directly from the file (see `DirectHeapReader`).
    enum HeapReads { case automatic, hdf5, direct }
    /// `.automatic`: directly whenever `DirectHeapReader` understands the file (any raw file
    /// this project or larpix-control writes), through HDF5 otherwise. Not only live files: a
    /// file whose writer was killed mid-flush, its mark then cleared, has the same torn
    /// collections, and HDF5 would hang on it just the same. Tests force either path.
    var heapReads: HeapReads = .automatic
    private var direct: DirectHeapReader??

    private func directReader() throws(RawFileError) -> DirectHeapReader? {
        if let d = direct { return d }
        let d = try DirectHeapReader(path: path, dataset: objects.messages)
        direct = .some(d)
        return d
    }

    /// Reads rows [start, start+count) and hands HDF5's descriptors to `body` without copying;
    /// the memory is freed when `body` returns.
    func withDescriptors<T>(start: Int, count: Int,
                            _ body: (UnsafeBufferPointer<hvl_t>, UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T) throws(RawFileError) -> T {
        let groups = try readIOGroups(start: start, count: count)
        let useDirect: Bool
        switch heapReads {
        case .hdf5: useDirect = false
        case .direct: useDirect = true
        case .automatic: useDirect = count > 0
        }
        if useDirect, let reader = try directReader() {
            let d = UnsafeMutablePointer<hvl_t>.allocate(capacity: max(count, 1))
            d.initialize(repeating: hvl_t(len: 0, p: nil), count: max(count, 1))
            defer { d.deallocate() }
            let images = try reader.read(objects.messages, start: start, count: count, into: d)
            defer { for i in images { i.deallocate() } }
            return try groups.withUnsafeBufferPointer { (g: UnsafeBufferPointer<UInt8>) throws(RawFileError) -> T in
                try body(UnsafeBufferPointer(start: d, count: count), g)
            }
        }
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
        direct = nil                                   // closes its file descriptor
        try h5 { () throws(H5Error) in
            try objects.messages.close()
            try objects.headers.close()
            try objects.meta.close()
            try file.close()
        }
    }
}

/// Reads message bytes without letting HDF5 decode the global heap, for files a writer still has
/// open.
///
/// The bytes of a variable-length element live in global heap collections, which HDF5's SWMR
/// flush ordering does not cover (FORMAT.md section 3): a reader can see rows whose collection is
/// not (completely) in the file yet. HDF5 1.10.8 then usually fails ("len not positive after
/// adjustment for EOA", retried by the follower), but on some torn states its collection parser
/// (H5HG__cache_heap_deserialize) meets an object of size 0 and loops forever inside H5Dread,
/// holding HDF5's global lock: measured here with RawFileFollower polling a RawFileWriter in
/// another process. So for a live file this reads the stored chunks of /msgs (H5Dread_chunk,
/// inflated with zlib), decodes the on-disk descriptors (length, collection address, object
/// index), and reads and checks each collection from the file itself. Anything incomplete is a
/// transient error ("not yet complete in the file"), which the follower retries; nothing loops.
final class DirectHeapReader {
    private typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?,
                                                   UnsafePointer<UInt8>?, UInt) -> Int32
    /// zlib's uncompress, from the zlib HDF5 itself links (no zlib module is imported here).
    private static let uncompress: Uncompress? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "uncompress") else { return nil }
        return unsafeBitCast(sym, to: Uncompress.self)
    }()

    let path: String
    private let fd: Int32
    private let sizeOfOffsets: Int
    private let sizeOfLengths: Int
    private let chunk: Int
    private let deflate: Bool
    private var descriptorSize: Int { 4 + sizeOfOffsets + 4 }

    /// nil when the file or dataset is not one this reader understands (then HDF5 reads it).
    init?(path: String, dataset: H5Dataset) throws(RawFileError) {
        self.path = path
        guard let sb = SuperblockFlags.readSuperblock(path), sb.count >= 11 else { return nil }
        sizeOfOffsets = Int(sb[9])
        sizeOfLengths = Int(sb[10])
        guard [2, 4, 8].contains(sizeOfOffsets), [2, 4, 8].contains(sizeOfLengths) else { return nil }
        let c: Int?, filters: [Int32]
        do {
            c = try dataset.chunkLength()
            filters = try dataset.filterIDs()
        } catch { throw RawFileError.from(error, path: path) }
        guard let c, c > 0 else { return nil }
        chunk = c
        if filters == [Int32(H5Z_FILTER_DEFLATE)] {
            guard Self.uncompress != nil else { return nil }
            deflate = true
        } else if filters.isEmpty {
            deflate = false
        } else { return nil }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
    }

    deinit { _ = close(fd) }

    private func incomplete(_ why: String) -> RawFileError {
        .hdf5(path: path, error: H5Error(operation: "read message bytes of \(path) directly",
                                         stack: "\(why) (not yet complete in the file)"))
    }

    /// A little-endian unsigned integer of `size` bytes (HDF5 encodes all of these little-endian).
    @inline(__always)
    private func uint(_ p: UnsafeRawPointer, _ size: Int) -> UInt64 {
        switch size {
        case 2: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        case 8: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        default:
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << (8 * UInt64(k)) }
            return v
        }
    }

    private func pread(_ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = Glibc.pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// One global heap collection as read from the file: its image and its objects.
    private struct Collection {
        let image: UnsafeMutableRawBufferPointer
        var objects: [UInt64: (offset: Int, size: Int)]
        /// Where the walk stopped on bytes that are not (yet) a valid object, if it did.
        var tornAt: Int?
    }

    private func loadCollection(at addr: UInt64, fileSize: UInt64) throws(RawFileError) -> Collection {
        let align = { (x: Int) in (x + 7) & ~7 }
        let headerSize = align(4 + 1 + 3 + sizeOfLengths)
        let objectHeaderSize = align(2 + 2 + 4 + sizeOfLengths)
        guard addr < fileSize, fileSize - addr >= UInt64(headerSize) else {
            throw incomplete("global heap collection at \(addr) is past the end of the file")
        }
        var header = [UInt8](repeating: 0, count: headerSize)
        guard header.withUnsafeMutableBytes({ pread($0.baseAddress!, headerSize, at: addr) }) else {
            throw incomplete("cannot read the global heap collection at \(addr)")
        }
        guard header[0..<4].elementsEqual([0x47, 0x43, 0x4f, 0x4c]), header[4] == 1 else {   // "GCOL", version 1
            throw incomplete("no global heap collection at \(addr)")
        }
        let size = header.withUnsafeBytes { uint($0.baseAddress! + 8, sizeOfLengths) }
        guard size >= UInt64(headerSize), size <= fileSize - addr, size < (1 << 40) else {
            throw incomplete("global heap collection at \(addr) claims \(size) bytes")
        }
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(size), alignment: 8)
        guard pread(image.baseAddress!, Int(size), at: addr) else {
            image.deallocate()
            throw incomplete("cannot read the global heap collection at \(addr)")
        }
        // Walk the objects as HDF5 does, but never without progress or out of bounds. Where the
        // collection is torn (not yet written), stop: the objects before that point are whole,
        // and a row asking for a later one fails as incomplete.
        var objects: [UInt64: (offset: Int, size: Int)] = [:]
        var p = headerSize
        let end = Int(size)
        let base = UnsafeRawPointer(image.baseAddress!)
        var tornAt: Int? = nil
        while p < end {
            if p + objectHeaderSize > end { break }                     // a tail too small: free space
            let idx = uint(base + p, 2)
            let osize = uint(base + p + 8, sizeOfLengths)
            guard osize <= UInt64(end) else { tornAt = p; break }
            let need = idx > 0 ? objectHeaderSize + align(Int(osize)) : Int(osize)
            guard need > 0 else { tornAt = p; break }
            if idx > 0 {
                guard p + objectHeaderSize + Int(osize) <= end else { tornAt = p; break }
                objects[idx] = (p + objectHeaderSize, Int(osize))
            }
            p += need
        }
        return Collection(image: image, objects: objects, tornAt: tornAt)
    }

    /// Fills `out[0..<count]` with descriptors of rows [start, start+count) that point into
    /// collection images; returns the images, which the caller frees after using `out`.
    func read(_ dataset: H5Dataset, start: Int, count: Int,
              into out: UnsafeMutablePointer<hvl_t>) throws(RawFileError) -> [UnsafeMutableRawBufferPointer] {
        guard count > 0 else { return [] }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw incomplete("cannot stat the file") }
        let fileSize = UInt64(st.st_size)
        let rawChunkBytes = chunk * descriptorSize
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: rawChunkBytes, alignment: 8)
        defer { raw.deallocate() }
        var collections: [UInt64: Collection] = [:]
        var lastAddr: UInt64 = 0
        var last: Collection? = nil
        var done = false
        defer { if !done { for c in collections.values { c.image.deallocate() } } }

        var row = start
        while row < start + count {
            let chunkStart = (row / chunk) * chunk
            let stored: Int
            let mask: UInt32
            var storedBytes = [UInt8]()
            do {
                stored = try dataset.chunkStorageSize(at: chunkStart)
                guard stored > 0 else { throw incomplete("chunk of /msgs at row \(chunkStart) is not allocated yet") }
                storedBytes = [UInt8](repeating: 0, count: stored)
                mask = try storedBytes.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) throws(H5Error) -> UInt32 in
                    try dataset.readStoredChunk(at: chunkStart, into: b.baseAddress!)
                }
            } catch let e as H5Error {
                throw RawFileError.from(e, path: path)
            } catch let e as RawFileError {
                throw e
            } catch { throw incomplete("\(error)") }
            if deflate && mask & 1 == 0 {
                var destLen = UInt(rawChunkBytes)
                let rc = storedBytes.withUnsafeBytes { src in
                    Self.uncompress!(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), &destLen,
                                     src.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(stored))
                }
                guard rc == 0, destLen == UInt(rawChunkBytes) else {
                    throw incomplete("chunk of /msgs at row \(chunkStart) does not inflate (zlib \(rc))")
                }
            } else {
                guard stored == rawChunkBytes else {
                    throw incomplete("chunk of /msgs at row \(chunkStart) holds \(stored) bytes, not \(rawChunkBytes)")
                }
                storedBytes.withUnsafeBytes { raw.copyMemory(from: $0) }
            }
            let rowsEnd = min(chunkStart + chunk, start + count)
            while row < rowsEnd {
                let d = UnsafeRawPointer(raw.baseAddress!) + (row - chunkStart) * descriptorSize
                let length = uint(d, 4)
                let addr = uint(d + 4, sizeOfOffsets)
                let index = uint(d + 4 + sizeOfOffsets, 4)
                let undefined = addr == 0 || addr == (sizeOfOffsets == 8 ? UInt64.max : (UInt64(1) << (8 * UInt64(sizeOfOffsets))) - 1)
                if length == 0 || undefined {
                    guard length == 0 else { throw incomplete("row \(row) of /msgs has \(length) bytes but no heap address") }
                    out[row - start] = hvl_t(len: 0, p: nil)
                } else {
                    if addr != lastAddr {
                        if let c = collections[addr] { last = c } else {
                            let c = try loadCollection(at: addr, fileSize: fileSize)
                            collections[addr] = c
                            last = c
                        }
                        lastAddr = addr
                    }
                    guard let c = last, let obj = c.objects[index], obj.size == Int(length) else {
                        let torn = last?.tornAt.map { ", which is torn at byte \($0)" } ?? ""
                        throw incomplete("row \(row) of /msgs: object \(index) of the global heap collection at \(addr)\(torn) is missing or of another size")
                    }
                    out[row - start] = hvl_t(len: Int(length), p: c.image.baseAddress! + obj.offset)
                }
                row += 1
            }
        }
        done = true
        return collections.values.map(\.image)
    }
}
