import CHDF5
import COrderedVFD

/// A property list (file access, file creation, dataset creation or transfer).
public final class H5PropertyList {
    public let handle: H5Handle
    public var id: hid_t { handle.id }

    init(class cls: hid_t, _ name: String) throws(H5Error) {
        H5Library.ensure()
        handle = H5Handle(try h5id(H5Pcreate(cls), "create \(name) property list"), closer: H5Pclose)
    }

    /// File access with the library-version bounds SWMR needs ("latest"). (File locking is
    /// turned off per file, by `H5File`.)
    public static func fileAccess(latestFormat: Bool = true) throws(H5Error) -> H5PropertyList {
        H5Library.ensure()
        let p = try H5PropertyList(class: lrp_H5P_FILE_ACCESS(), "file access")
        if latestFormat {
            try h5check(H5Pset_libver_bounds(p.id, lrp_H5F_LIBVER_LATEST(), lrp_H5F_LIBVER_LATEST()), "set library version bounds to latest")
        }
        return p
    }

    /// Selects the ordered file driver (COrderedVFD) for a SWMR writer of variable-length data:
    /// object headers are written at the end of each flush, after the message bytes and the
    /// superblock, when no reader has the file open (waiting at most `exposureWait` seconds).
    public func setOrderedDriver(exposureWait: Double) throws(H5Error) {
        H5Library.ensure()
        try h5check(lrp_ordered_set_fapl(id, exposureWait), "set the ordered file driver")
    }

    /// File creation; `pageSize` > 0 selects the paged file-space strategy (see FORMAT.md section 3).
    public static func fileCreation(pageSize: Int = 0) throws(H5Error) -> H5PropertyList {
        H5Library.ensure()
        let p = try H5PropertyList(class: lrp_H5P_FILE_CREATE(), "file creation")
        if pageSize > 0 {
            try h5check(H5Pset_file_space_strategy(p.id, H5F_FSPACE_STRATEGY_PAGE, false, 1), "set paged file-space strategy")
            try h5check(H5Pset_file_space_page_size(p.id, hsize_t(pageSize)), "set file-space page size \(pageSize)")
        }
        return p
    }

    /// Dataset creation: chunked, optionally gzip-compressed.
    public static func datasetCreation(chunk: Int, gzipLevel: Int?) throws(H5Error) -> H5PropertyList {
        H5Library.ensure()
        let p = try H5PropertyList(class: lrp_H5P_DATASET_CREATE(), "dataset creation")
        var dims = [hsize_t(chunk)]
        try h5check(H5Pset_chunk(p.id, 1, &dims), "set chunk size \(chunk)")
        if let level = gzipLevel {
            try h5check(H5Pset_deflate(p.id, UInt32(level)), "set gzip level \(level)")
        }
        return p
    }

    /// Dataset transfer whose type conversion works in `conversion` and `background` (`bytes`
    /// long each, kept by the caller for as long as the list is used). Without them, HDF5
    /// allocates and zeroes both in every H5Dwrite of variable-length data (1 MiB each by
    /// default: at 24-B messages, a tenth of the writer thread's time). HDF5 fills the background
    /// buffer from the file before each use, so what a previous write left there is not read.
    public static func transfer(conversion: UnsafeMutableRawPointer, background: UnsafeMutableRawPointer,
                                bytes: Int) throws(H5Error) -> H5PropertyList {
        H5Library.ensure()
        let p = try H5PropertyList(class: lrp_H5P_DATASET_XFER(), "dataset transfer")
        try h5check(H5Pset_buffer(p.id, bytes, conversion, background), "set \(bytes)-byte type conversion buffers")
        return p
    }

    /// Page buffer for a paged file (reader or writer side).
    public func setPageBuffer(bytes: Int) throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Pset_page_buffer_size(id, bytes, 0, 0), "set page buffer size \(bytes)")
    }
}
