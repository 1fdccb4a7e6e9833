import CHDF5

/// A rank-1, extendible dataset: what the raw format needs, nothing more.
public final class H5Dataset {
    public let handle: H5Handle
    public let path: String
    public var id: hid_t { handle.id }

    init(open name: String, in parent: hid_t, path: String) throws(H5Error) {
        H5Library.ensure()
        handle = H5Handle(try h5id(H5Dopen2(parent, name, lrp_H5P_DEFAULT()), "open dataset \(path)"), closer: H5Dclose)
        self.path = path
    }

    init(create name: String, in parent: hid_t, path: String, type: H5Datatype, chunk: Int, gzipLevel: Int?) throws(H5Error) {
        H5Library.ensure()
        let space = try H5Dataspace.vector(0, unlimited: true)
        let dcpl = try H5PropertyList.datasetCreation(chunk: chunk, gzipLevel: gzipLevel)
        let d = lrp_H5P_DEFAULT()
        handle = H5Handle(try h5id(H5Dcreate2(parent, name, type.id, space.id, d, dcpl.id, d), "create dataset \(path)"), closer: H5Dclose)
        self.path = path
    }

    public func type() throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        return H5Datatype(owning: try h5id(H5Dget_type(id), "read type of \(path)"))
    }

    public func space() throws(H5Error) -> H5Dataspace {
        H5Library.ensure()
        return H5Dataspace(owning: try h5id(H5Dget_space(id), "read dataspace of \(path)"))
    }

    /// Number of elements of a rank-1 dataset (as of the last refresh, for a SWMR reader).
    public func count() throws(H5Error) -> Int {
        H5Library.ensure()
        let (dims, _) = try space().extent()
        return dims.first ?? 0
    }

    public func setCount(_ n: Int) throws(H5Error) {
        H5Library.ensure()
        var dims = [hsize_t(n)]
        try h5check(H5Dset_extent(id, &dims), "extend \(path) to \(n) elements")
    }

    /// SWMR reader: re-read the dataset's metadata (its length) from the file.
    public func refresh() throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Drefresh(id), "refresh \(path)")
    }

    public func flush() throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Dflush(id), "flush \(path)")
    }

    /// Writes `count` elements of `memType` from `buffer` at [start, start+count), with the
    /// transfer properties `transfer` (nil: HDF5's defaults).
    public func write(_ buffer: UnsafeRawPointer, memType: H5Datatype, start: Int, count: Int,
                      transfer: H5PropertyList? = nil) throws(H5Error) {
        H5Library.ensure()
        guard count > 0 else { return }
        let file = try space()
        try file.selectRange(start: start, count: count)
        let mem = try H5Dataspace.vector(count)
        try h5check(H5Dwrite(id, memType.id, mem.id, file.id, transfer?.id ?? lrp_H5P_DEFAULT(), buffer),
                    "write \(count) elements to \(path) at \(start)")
    }

    /// Reads `count` elements at `start` into `buffer` (sized by the caller for `memType`).
    public func read(into buffer: UnsafeMutableRawPointer, memType: H5Datatype, start: Int, count: Int) throws(H5Error) {
        H5Library.ensure()
        guard count > 0 else { return }
        let file = try space()
        try file.selectRange(start: start, count: count)
        let mem = try H5Dataspace.vector(count)
        try h5check(H5Dread(id, memType.id, mem.id, file.id, lrp_H5P_DEFAULT(), buffer),
                    "read \(count) elements of \(path) at \(start)")
    }

    // MARK: Chunks, read as stored (for readers that must not let HDF5 decode some data)

    /// The chunk length of a chunked rank-1 dataset; nil when it is not chunked.
    public func chunkLength() throws(H5Error) -> Int? {
        H5Library.ensure()
        let dcpl = H5Handle(try h5id(H5Dget_create_plist(id), "read the creation properties of \(path)"), closer: H5Pclose)
        guard H5Pget_layout(dcpl.id) == H5D_CHUNKED else { return nil }
        var dims = [hsize_t](repeating: 0, count: 32)
        let rank = H5Pget_chunk(dcpl.id, 32, &dims)
        if rank < 0 { throw H5Error.take("read the chunk size of \(path)") }
        return rank == 1 ? Int(dims[0]) : nil
    }

    /// The filter identifiers of the dataset's pipeline, in order (1 = deflate).
    public func filterIDs() throws(H5Error) -> [Int32] {
        H5Library.ensure()
        let dcpl = H5Handle(try h5id(H5Dget_create_plist(id), "read the creation properties of \(path)"), closer: H5Pclose)
        let n = H5Pget_nfilters(dcpl.id)
        if n < 0 { throw H5Error.take("count the filters of \(path)") }
        var out: [Int32] = []
        for i in 0..<UInt32(n) {
            var flags: UInt32 = 0, nelmts = 0, config: UInt32 = 0
            var name = [CChar](repeating: 0, count: 64)
            let f = H5Pget_filter2(dcpl.id, i, &flags, &nelmts, nil, name.count, &name, &config)
            if f < 0 { throw H5Error.take("read filter \(i) of \(path)") }
            out.append(Int32(f))
        }
        return out
    }

    /// Stored (filtered) size in bytes of the chunk holding element `offset`; 0 when the chunk
    /// is not allocated.
    public func chunkStorageSize(at offset: Int) throws(H5Error) -> Int {
        H5Library.ensure()
        var o = [hsize_t(offset)]
        var n: hsize_t = 0
        try h5check(H5Dget_chunk_storage_size(id, &o, &n), "read the stored size of the chunk of \(path) at \(offset)")
        return Int(n)
    }

    /// Reads the chunk starting at element `offset` as stored (still filtered) into `buffer`,
    /// which holds at least `chunkStorageSize(at:)` bytes. Returns the chunk's filter mask
    /// (bit i set: filter i was skipped for this chunk).
    public func readStoredChunk(at offset: Int, into buffer: UnsafeMutableRawPointer) throws(H5Error) -> UInt32 {
        H5Library.ensure()
        var o = [hsize_t(offset)]
        var mask: UInt32 = 0
        try h5check(H5Dread_chunk(id, lrp_H5P_DEFAULT(), &o, &mask, buffer), "read the stored chunk of \(path) at \(offset)")
        return mask
    }

    /// Frees the memory HDF5 allocated for variable-length elements read into `buffer`.
    public static func reclaimVariableLength(_ buffer: UnsafeMutableRawPointer, memType: H5Datatype, count: Int) {
        H5Library.ensure()
        guard count > 0, let mem = try? H5Dataspace.vector(count) else { return }
        _ = H5Dvlen_reclaim(memType.id, mem.id, lrp_H5P_DEFAULT(), buffer)
    }

    public func close() throws(H5Error) { try handle.close("close dataset \(path)") }
}
