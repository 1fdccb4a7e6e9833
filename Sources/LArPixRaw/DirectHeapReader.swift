import CHDF5
import HDF5
import HDF5Native

/// Reads message bytes without letting HDF5 decode the global heap, for files a writer still has
/// open.
///
/// The bytes of a variable-length element live in global heap collections, which HDF5's SWMR
/// flush ordering does not cover (FORMAT.md section 3): a reader can see rows whose collection is
/// not (completely) in the file yet. HDF5 1.10.8 then usually fails ("len not positive after
/// adjustment for EOA", retried by the follower), but on some torn states its collection parser
/// (H5HG__cache_heap_deserialize) meets an object of size 0 and loops forever inside H5Dread,
/// holding HDF5's global lock: measured here with RawFileFollower polling a RawFileWriter in
/// another process. So this reads the stored chunks of /msgs through HDF5 (H5Dread_chunk),
/// inflates them with zlib, and hands the on-disk descriptors to HDF5Native's collection parser
/// (`VlenResolver`, `GlobalHeapCollection`), which reads and checks each collection from the
/// file itself, the same code the native reader uses. Anything incomplete is a transient error
/// ("not yet complete in the file"), which the follower retries; nothing loops.
final class DirectHeapReader {
    let path: String
    private let superblock: Superblock
    private let chunk: Int
    private let deflate: Bool
    private var descriptorSize: Int { 4 + superblock.sizeOfOffsets + 4 }

    /// nil when the file or dataset is not one this reader understands (then HDF5 reads it).
    init?(path: String, dataset: H5Dataset) throws(RawFileError) {
        self.path = path
        guard let file = try? FileBytes(path: path), let sb = try? Superblock.read(file) else { return nil }
        superblock = sb
        let c: Int?, filters: [Int32]
        do {
            c = try dataset.chunkLength()
            filters = try dataset.filterIDs()
        } catch { throw RawFileError.from(error, path: path) }
        guard let c, c > 0 else { return nil }
        chunk = c
        if filters == [Int32(H5Z_FILTER_DEFLATE)] {
            deflate = true
        } else if filters.isEmpty {
            deflate = false
        } else { return nil }
    }

    private func incomplete(_ why: String) -> RawFileError {
        .hdf5(path: path, error: H5Error(operation: "read message bytes of \(path) directly",
                                         stack: "\(why) (not yet complete in the file)"))
    }

    /// The stored chunk of /msgs that starts at `chunkStart`, inflated: `chunk` descriptors.
    private func descriptors(_ dataset: H5Dataset, chunkStart: Int, into raw: UnsafeMutableRawBufferPointer) throws(RawFileError) {
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
            let n = storedBytes.withUnsafeBytes { ChunkDecoder.inflate($0, into: raw) }
            guard n == raw.count else { throw incomplete("chunk of /msgs at row \(chunkStart) does not inflate") }
        } else {
            guard stored == raw.count else {
                throw incomplete("chunk of /msgs at row \(chunkStart) holds \(stored) bytes, not \(raw.count)")
            }
            storedBytes.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
    }

    /// Fills `out[0..<count]` with descriptors of rows [start, start+count) that point into
    /// heap collections; returns the collections, which must outlive every use of `out`.
    func read(_ dataset: H5Dataset, start: Int, count: Int,
              into out: UnsafeMutablePointer<hvl_t>) throws(RawFileError) -> [GlobalHeapCollection] {
        guard count > 0 else { return [] }
        // The file as it is now (a live file grows): its size bounds every collection read.
        let ctx: FormatContext
        do throws(NativeHDF5Error) {
            ctx = FormatContext(file: try FileBytes(path: path), sizeOfOffsets: superblock.sizeOfOffsets,
                                sizeOfLengths: superblock.sizeOfLengths, baseAddress: superblock.baseAddress)
        } catch { throw incomplete(error.reason) }
        let resolver = VlenResolver(ctx)
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk * descriptorSize, alignment: 8)
        defer { raw.deallocate() }
        var pins: [GlobalHeapCollection] = []
        var row = start
        while row < start + count {
            let chunkStart = (row / chunk) * chunk
            try descriptors(dataset, chunkStart: chunkStart, into: raw)
            let rowsEnd = min(chunkStart + chunk, start + count)
            let slice = UnsafeRawBufferPointer(rebasing: raw[((row - chunkStart) * descriptorSize)..<((rowsEnd - chunkStart) * descriptorSize)])
            let first = row
            do throws(NativeHDF5Error) {
                pins += try resolver.resolve(slice, count: rowsEnd - row, firstRow: row, name: "/msgs") { i, b in
                    out[first - start + i] = hvl_t(len: b?.count ?? 0, p: b.map { UnsafeMutableRawPointer(mutating: $0.baseAddress) } ?? nil)
                }
            } catch { throw incomplete("\(error.structure): \(error.reason)") }
            row = rowsEnd
        }
        return pins
    }
}
