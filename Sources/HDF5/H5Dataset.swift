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

    /// Corks (false) or uncorks (true) the dataset's metadata: while corked, its dirty object
    /// header and chunk index stay in the metadata cache instead of being written by eviction.
    public func setMetadataFlushes(enabled: Bool) throws(H5Error) {
        H5Library.ensure()
        var corked: hbool_t = false
        try h5check(H5Oare_mdc_flushes_disabled(id, &corked), "query corking of \(path)")
        if enabled == !corked { return }
        if enabled {
            try h5check(H5Oenable_mdc_flushes(id), "uncork \(path)")
        } else {
            try h5check(H5Odisable_mdc_flushes(id), "cork \(path)")
        }
    }

    public func flush() throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Dflush(id), "flush \(path)")
    }

    /// Writes `count` elements of `memType` from `buffer` at [start, start+count).
    public func write(_ buffer: UnsafeRawPointer, memType: H5Datatype, start: Int, count: Int) throws(H5Error) {
        H5Library.ensure()
        guard count > 0 else { return }
        let file = try space()
        try file.selectRange(start: start, count: count)
        let mem = try H5Dataspace.vector(count)
        try h5check(H5Dwrite(id, memType.id, mem.id, file.id, lrp_H5P_DEFAULT(), buffer),
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

    /// Frees the memory HDF5 allocated for variable-length elements read into `buffer`.
    public static func reclaimVariableLength(_ buffer: UnsafeMutableRawPointer, memType: H5Datatype, count: Int) {
        H5Library.ensure()
        guard count > 0, let mem = try? H5Dataspace.vector(count) else { return }
        _ = H5Dvlen_reclaim(memType.id, mem.id, lrp_H5P_DEFAULT(), buffer)
    }

    public func close() throws(H5Error) { try handle.close("close dataset \(path)") }
}
