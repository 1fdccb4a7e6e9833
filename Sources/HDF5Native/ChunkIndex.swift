/// Where one stored chunk is: its address, its size as stored, and which filters it skipped.
public struct ChunkEntry: Sendable, Equatable {
    public let address: UInt64
    public let storedSize: Int
    public let filterMask: UInt32
}

/// Finds the chunks of a rank-1 chunked dataset by chunk number (row / chunk length).
/// Implementations read their structures lazily and keep what they read.
public protocol ChunkIndex: AnyObject {
    /// The chunk holding rows [n*chunk, (n+1)*chunk), or nil when it is not allocated.
    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry?
}

/// The parameters every chunk index needs.
struct ChunkIndexSetup {
    let ctx: FormatContext
    let what: String
    let filtered: Bool
    /// Bytes of an unfiltered chunk.
    let rawChunkSize: Int
    /// Number of chunks the dataset's current extent covers.
    let chunkCount: UInt64

    /// Decodes one array element: an address, then (filtered) a size of `element - O - 4` bytes and a filter mask.
    func element(_ r: inout ByteReader, size elementSize: Int) throws(NativeHDF5Error) -> ChunkEntry? {
        let addr = try r.address()
        var stored = rawChunkSize, mask: UInt32 = 0
        if filtered {
            let n = try r.uint(elementSize - ctx.sizeOfOffsets - 4)
            mask = try r.u32()
            guard n <= ctx.file.size else { throw r.error(.malformed, "a chunk of \(n) bytes, larger than the file") }
            stored = Int(n)
        }
        guard let addr else { return nil }
        return ChunkEntry(address: addr, storedSize: stored, filterMask: mask)
    }

    /// The element size this index must have: an address, or address + size + mask.
    func checkElementSize(_ size: Int, _ r: ByteReader) throws(NativeHDF5Error) {
        let o = ctx.sizeOfOffsets
        let ok = filtered ? (size > o + 4 && size <= o + 12) : size == o
        guard ok else { throw r.error(.malformed, "element size \(size) for \(filtered ? "filtered" : "unfiltered") chunks") }
    }
}

/// One chunk holding the whole dataset (version 4/5 layouts of a dataset that fits in one chunk).
final class SingleChunkIndex: ChunkIndex {
    let entry: ChunkEntry?
    /// An index with no chunk (an array index whose address is still undefined).
    init() { entry = nil }
    init(_ s: ChunkIndexSetup, address: UInt64?, filteredSize: UInt64?, mask: UInt32) throws(NativeHDF5Error) {
        if let filteredSize, filteredSize > s.ctx.file.size {
            throw s.ctx.error(.malformed, s.what, "a single chunk of \(filteredSize) bytes, larger than the file")
        }
        entry = address.map { ChunkEntry(address: $0, storedSize: filteredSize.map(Int.init) ?? s.rawChunkSize, filterMask: mask) }
    }
    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry? { n == 0 ? entry : nil }
}

/// Chunks allocated together in chunk order (unfiltered, fixed-size datasets).
final class ImplicitChunkIndex: ChunkIndex {
    let setup: ChunkIndexSetup
    let address: UInt64?
    init(_ s: ChunkIndexSetup, address: UInt64?) { setup = s; self.address = address }
    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry? {
        guard let address, n < setup.chunkCount else { return nil }
        let (off, o1) = n.multipliedReportingOverflow(by: UInt64(setup.rawChunkSize))
        let (a, o2) = address.addingReportingOverflow(off)
        guard !o1, !o2 else { throw setup.ctx.error(.malformed, setup.what, "chunk \(n) is out of range") }
        return ChunkEntry(address: a, storedSize: setup.rawChunkSize, filterMask: 0)
    }
}

