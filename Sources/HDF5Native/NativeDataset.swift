/// A dataset: its type and shape, and reads of rows of a rank-1 dataset (chunked with any
/// chunk index this module knows, contiguous, or compact). Not thread-safe (it keeps the
/// chunk index it has read and the last chunk it decoded).
public final class NativeDataset {
    public let name: String
    public let datatype: Datatype
    public let dataspace: Dataspace
    public let layout: DataLayout
    public let pipeline: FilterPipeline
    public let context: FormatContext
    /// Bytes of one stored element (a vlen element: its heap descriptor).
    public let elementSize: Int
    private let fill: [UInt8]?
    private var index: ChunkIndex?
    private var lastChunk: (number: UInt64, bytes: [UInt8])?

    /// Largest decoded chunk accepted (HDF5's own limit is 4 GiB).
    public static let maxChunkBytes = 1 << 30

    public init(_ object: NativeObject) throws(NativeHDF5Error) {
        let ctx = object.context, what = "dataset \(object.name)"
        guard object.kind == .dataset,
              let t = object.message(HeaderMessage.datatype), let s = object.message(HeaderMessage.dataspace),
              let l = object.message(HeaderMessage.layout) else {
            throw ctx.error(.notFound, "object \(object.name)", "is not a dataset")
        }
        guard !t.isShared else { throw ctx.error(.unsupported, what, "committed (shared) datatypes are not supported") }
        name = object.name
        context = ctx
        datatype = try Datatype.parse(t.body, ctx, what)
        dataspace = try Dataspace.parse(s.body, ctx, what)
        layout = try DataLayout.parse(l.body, ctx, what)
        pipeline = try object.message(HeaderMessage.filterPipeline).map { (m) throws(NativeHDF5Error) in try FilterPipeline.parse(m.body, ctx, what) }
            ?? FilterPipeline(filters: [])
        if object.message(HeaderMessage.externalFiles) != nil { throw ctx.error(.unsupported, what, "external storage is not supported") }
        elementSize = datatype.storedSize(ctx)
        guard elementSize > 0 else { throw ctx.error(.malformed, what, "elements of 0 bytes") }
        let f = object.message(HeaderMessage.fillValue) ?? object.message(HeaderMessage.fillValueOld)
        let value = try f.map { (m) throws(NativeHDF5Error) in try FillValue.parse(m, ctx, what) }?.value
        if case .variableLength = datatype { fill = nil } else { fill = value?.count == elementSize ? value : nil }
        try checkExtent()
    }

    /// A corrupt extent must not make a reader walk (or allocate) billions of rows: a chunked
    /// dataset has at most one chunk per 8 bytes of file, a contiguous one lies in the file.
    private func checkExtent() throws(NativeHDF5Error) {
        guard dataspace.rank == 1 else { return }
        let rows = dataspace.dimensions[0], size = context.file.size
        switch layout.storage {
        case .chunked(let chunk, _, _):
            guard let c = chunk.first, c > 0, rows / c <= size / 8 else {
                throw context.error(.malformed, "dataset \(name)", "\(rows) rows in chunks of \(chunk.first ?? 0) cannot be in a file of \(size) bytes")
            }
        case .contiguous(let address, _):
            guard address == nil || rows <= size / UInt64(elementSize) else {
                throw context.error(.malformed, "dataset \(name)", "\(rows) contiguous rows cannot be in a file of \(size) bytes")
            }
        case .compact(let bytes):
            guard rows <= UInt64(bytes.count / elementSize) else { throw context.error(.malformed, "dataset \(name)", "compact data is too short") }
        }
    }

    /// Rows of a rank-1 dataset (its current extent).
    public var count: Int {
        guard dataspace.rank == 1 else { return dataspace.kind == .scalar ? 1 : 0 }
        return Int(clamping: dataspace.dimensions[0])
    }

    private func chunkIndex(_ chunkLength: UInt64, _ kind: DataLayout.ChunkIndexKind, _ address: UInt64?) throws(NativeHDF5Error) -> ChunkIndex {
        if let index { return index }
        let what = "dataset \(name)"
        let (raw, overflow) = chunkLength.multipliedReportingOverflow(by: UInt64(elementSize))
        guard !overflow, raw <= UInt64(Self.maxChunkBytes) else {
            throw context.error(.malformed, what, "chunks of \(chunkLength) elements of \(elementSize) bytes are too large")
        }
        let n = UInt64(count)
        let setup = ChunkIndexSetup(ctx: context, what: what, filtered: !pipeline.filters.isEmpty, rawChunkSize: Int(raw),
                                    chunkCount: n / chunkLength + (n % chunkLength == 0 ? 0 : 1))
        let made: ChunkIndex
        switch kind {
        case .btreeV1: made = ChunkBTreeV1Index(setup, address: address, rank: 1, chunkLength: chunkLength)
        case .singleChunk(let size, let mask): made = try SingleChunkIndex(setup, address: address, filteredSize: size, mask: mask)
        case .implicit: made = ImplicitChunkIndex(setup, address: address)
        case .fixedArray, .extensibleArray:
            guard let address else { made = SingleChunkIndex(); break }
            made = kind == .fixedArray ? try FixedArrayIndex(setup, address: address) : try ExtensibleArrayIndex(setup, address: address)
        case .btreeV2: throw context.error(.unsupported, what, "the version 2 B-tree chunk index is not supported")
        }
        index = made
        return made
    }

    /// The decoded bytes of chunk `n` (fill, or an error when `unallocatedIsIncomplete`, where
    /// it is not allocated).
    private func chunkBytes(_ n: UInt64, _ chunkLength: UInt64, _ kind: DataLayout.ChunkIndexKind, _ address: UInt64?,
                            unallocatedIsIncomplete: Bool) throws(NativeHDF5Error) -> [UInt8] {
        if let c = lastChunk, c.number == n { return c.bytes }
        let raw = Int(chunkLength) * elementSize
        let what = "chunk \(n) of dataset \(name)"
        guard let e = try chunkIndex(chunkLength, kind, address).chunk(n) else {
            if unallocatedIsIncomplete { throw context.error(.incomplete, what, "not allocated yet") }
            return fillBytes(Int(chunkLength))
        }
        let filtered = !pipeline.filters.isEmpty && e.filterMask & ((1 << UInt32(pipeline.filters.count)) - 1) != (1 << UInt32(pipeline.filters.count)) - 1
        guard filtered || e.storedSize == raw else {
            throw context.error(.malformed, what, "stores \(e.storedSize) bytes unfiltered, not \(raw)")
        }
        // Deflate expands at most about 1032:1; a larger claim is damage, not data.
        guard e.storedSize <= raw + 1 << 16, raw / 1032 <= e.storedSize + 1 << 10 else {
            throw context.error(.malformed, what, "\(e.storedSize) stored bytes cannot hold \(raw) bytes")
        }
        let stored = try context.read(e.storedSize, at: e.address, what: what)
        let bytes = filtered ? try ChunkDecoder.decode(stored, pipeline: pipeline, mask: e.filterMask, rawSize: raw,
                                                      elementSize: elementSize, context, what) : stored
        lastChunk = (n, bytes)
        return bytes
    }

    private func fillBytes(_ elements: Int) -> [UInt8] {
        guard let fill else { return [UInt8](repeating: 0, count: elements * elementSize) }
        var out: [UInt8] = []
        out.reserveCapacity(elements * elementSize)
        for _ in 0..<elements { out += fill }
        return out
    }

    /// The stored bytes of rows [start, start+count): `count * elementSize` bytes.
    public func readRows(start: Int, count n: Int, unallocatedIsIncomplete: Bool = false) throws(NativeHDF5Error) -> [UInt8] {
        let what = "dataset \(name)"
        guard dataspace.rank == 1 else { throw context.error(.unsupported, what, "rank \(dataspace.rank): only rank-1 datasets are read") }
        guard start >= 0, n >= 0, start <= count, n <= count - start else {
            throw context.error(.notFound, what, "rows \(start)..<\(start + n) are outside its \(count) rows")
        }
        guard n > 0 else { return [] }
        let es = elementSize
        switch layout.storage {
        case .compact(let bytes):
            guard bytes.count >= (start + n) * es else { throw context.error(.malformed, what, "compact data is too short") }
            return Array(bytes[(start * es)..<((start + n) * es)])
        case .contiguous(let address, _):
            guard let address else { return fillBytes(n) }
            let (a, o) = address.addingReportingOverflow(UInt64(start * es))
            guard !o else { throw context.error(.malformed, what, "address out of range") }
            return try context.read(n * es, at: a, what: what)
        case .chunked(let chunk, let kind, let address):
            guard chunk.count == 1, chunk[0] > 0 else { throw context.error(.malformed, what, "chunk rank \(chunk.count) for a rank-1 dataset") }
            var out: [UInt8] = []
            out.reserveCapacity(n * es)
            var row = UInt64(start)
            let end = UInt64(start + n)
            while row < end {
                let c = row / chunk[0]
                let bytes = try chunkBytes(c, chunk[0], kind, address, unallocatedIsIncomplete: unallocatedIsIncomplete)
                let first = Int(row - c * chunk[0]), last = Int(min(end, (c + 1) * chunk[0]) - c * chunk[0])
                out += bytes[(first * es)..<(last * es)]
                row = (c + 1) * chunk[0]
            }
            return out
        }
    }

    /// Rows [start, start+count) of a variable-length dataset: `set(i, bytes)` per row. The
    /// pointers stay valid while the returned collections live.
    public func readVariableLength(start: Int, count n: Int, unallocatedIsIncomplete: Bool = false,
                                   _ set: (Int, UnsafeRawBufferPointer?) -> Void) throws(NativeHDF5Error) -> [GlobalHeapCollection] {
        guard case .variableLength(let base, _, _) = datatype else {
            throw context.error(.notFound, "dataset \(name)", "is not of a variable-length type")
        }
        let descriptors = try readRows(start: start, count: n, unallocatedIsIncomplete: unallocatedIsIncomplete)
        var result: Result<[GlobalHeapCollection], NativeHDF5Error> = .success([])
        descriptors.withUnsafeBytes { d in
            result = Result { () throws(NativeHDF5Error) in
                try VlenResolver(context).resolve(d, count: n, baseSize: base.storedSize(context), firstRow: start, name: "dataset \(name)", set)
            }
        }
        return try result.get()
    }
}
