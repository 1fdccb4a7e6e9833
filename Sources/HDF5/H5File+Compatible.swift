import CHDF5

extension H5File {
    /// Creates a new file (never overwriting) with HDF5's default library-version bounds
    /// ("earliest"), as h5py creates files: readable by every HDF5 from 1.8 on. Not for SWMR
    /// writing, which needs `create` ("latest" bounds). Opened read-write afterwards.
    public static func createCompatible(_ path: String) throws(H5Error) -> H5File {
        H5Library.ensure()
        let fapl = try H5PropertyList.fileAccess(latestFormat: false)
        try h5check(H5Pset_file_locking(fapl.id, false, true), "disable file locking")
        let id = try h5id(H5Fcreate(path, lrp_H5F_ACC_EXCL(), lrp_H5P_DEFAULT(), fapl.id), "create file \(path)")
        try h5check(H5Fclose(id), "close new file \(path)")
        return try open(path, mode: .readWrite, latestFormat: false)
    }

    /// The superblock version (0 for "earliest" bounds, 3 for SWMR-capable files).
    public func superblockVersion() throws(H5Error) -> Int {
        H5Library.ensure()
        var info = H5F_info2_t()
        try h5check(H5Fget_info2(id, &info), "read the superblock of \(path)")
        return Int(info.super.version)
    }
}
