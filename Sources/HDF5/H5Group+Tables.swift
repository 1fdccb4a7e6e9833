import CHDF5

extension H5Group {
    /// Creates an empty, chunked, extendible rank-1 dataset with h5py's creation properties:
    /// no filter, fill value written at allocation (h5py sets H5D_FILL_TIME_ALLOC). Created,
    /// closed and reopened, so the returned dataset is an ordinary opened one.
    public func createTable(_ name: String, type: H5Datatype, chunk: Int) throws(H5Error) -> H5Dataset {
        H5Library.ensure()
        let where_ = path == "/" ? "/" + name : path + "/" + name
        let space = try H5Dataspace.vector(0, unlimited: true)
        let dcpl = try H5PropertyList.datasetCreation(chunk: chunk, gzipLevel: nil)
        try h5check(H5Pset_fill_time(dcpl.id, H5D_FILL_TIME_ALLOC), "set the fill time of \(where_)")
        let d = lrp_H5P_DEFAULT()
        let id = try h5id(H5Dcreate2(self.id, name, type.id, space.id, d, dcpl.id, d), "create dataset \(where_)")
        try h5check(H5Dclose(id), "close new dataset \(where_)")
        return try openDataset(name)
    }
}

extension H5Group {
    /// Creates a fixed-size rank-1 uint8 dataset holding `bytes` (contiguous, as h5py makes one
    /// from a numpy byte array). Not for a file in SWMR-write mode: HDF5 creates no object then.
    @discardableResult
    public func createBytes(_ name: String, _ bytes: [UInt8]) throws(H5Error) -> H5Dataset {
        H5Library.ensure()
        let where_ = path == "/" ? "/" + name : path + "/" + name
        let space = try H5Dataspace.vector(bytes.count)
        let d = lrp_H5P_DEFAULT()
        let id = try h5id(H5Dcreate2(self.id, name, H5Datatype.uint8LE.id, space.id, d, d, d), "create dataset \(where_)")
        let status = bytes.withUnsafeBytes { p in
            H5Dwrite(id, H5Datatype.nativeUInt8.id, lrp_H5S_ALL(), lrp_H5S_ALL(), d, p.baseAddress)
        }
        if status < 0 { _ = H5Dclose(id) }
        try h5check(status, "write dataset \(where_)")
        try h5check(H5Dclose(id), "close new dataset \(where_)")
        return try openDataset(name)
    }
}
