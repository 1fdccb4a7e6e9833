import CHDF5
import COrderedVFD

/// An open HDF5 file. Closing it closes the file even if objects in it are still open
/// (H5F_CLOSE_STRONG is not used; callers close datasets first, as the owners below do).
public final class H5File {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
        /// Read a file that a SWMR writer may be appending to.
        case swmrRead
        /// Open an existing file for appending with SWMR writing on from the start.
        case swmrWrite
    }

    public let handle: H5Handle
    public let path: String
    public var id: hid_t { handle.id }

    private init(id: hid_t, path: String) {
        handle = H5Handle(id, closer: H5Fclose)
        self.path = path
    }

    /// Creates a new file; fails if it exists (never overwrites). `orderedExposureWait` non-nil:
    /// write through the ordered driver (see `H5PropertyList.setOrderedDriver`).
    public static func create(_ path: String, pageSize: Int = 0, pageBufferBytes: Int = 0,
                              orderedExposureWait: Double? = nil) throws(H5Error) -> H5File {
        H5Library.ensure()
        let fcpl = try H5PropertyList.fileCreation(pageSize: pageSize)
        let fapl = try H5PropertyList.fileAccess()
        try setNoLocking(fapl)
        if let d = orderedExposureWait { try fapl.setOrderedDriver(exposureWait: d) }
        if pageSize > 0 && pageBufferBytes > 0 { try fapl.setPageBuffer(bytes: pageBufferBytes) }
        let id = try h5id(H5Fcreate(path, lrp_H5F_ACC_EXCL(), fcpl.id, fapl.id), "create file \(path)")
        return H5File(id: id, path: path)
    }

    public static func open(_ path: String, mode: Mode, latestFormat: Bool = true,
                            orderedExposureWait: Double? = nil) throws(H5Error) -> H5File {
        H5Library.ensure()
        let fapl = try H5PropertyList.fileAccess(latestFormat: latestFormat)
        try setNoLocking(fapl)
        if mode == .swmrRead {
            try h5check(H5Pset_metadata_read_attempts(fapl.id, swmrMetadataReadAttempts), "set metadata read attempts")
        }
        if let d = orderedExposureWait { try fapl.setOrderedDriver(exposureWait: d) }
        let flags: UInt32
        switch mode {
        case .readOnly: flags = lrp_H5F_ACC_RDONLY()
        case .readWrite: flags = lrp_H5F_ACC_RDWR()
        case .swmrRead: flags = lrp_H5F_ACC_RDONLY() | lrp_H5F_ACC_SWMR_READ()
        case .swmrWrite: flags = lrp_H5F_ACC_RDWR() | lrp_H5F_ACC_SWMR_WRITE()
        }
        let id = try h5id(H5Fopen(path, flags, fapl.id), "open file \(path)")
        return H5File(id: id, path: path)
    }

    /// How often a SWMR reader re-reads metadata whose checksum fails (a writer may be midway
    /// through it). HDF5 1.10 sleeps 1, 2, 4, ... ns between attempts, so its default of 100
    /// never ends on a damaged file; 24 gives up after about 17 ms (a writer rewrites an entry in
    /// microseconds), and callers that follow a live file retry on their own.
    public static let swmrMetadataReadAttempts: UInt32 = 24

    /// Readers and the reference writer run with HDF5_USE_FILE_LOCKING=FALSE; we do the same
    /// so that a reader never blocks or is blocked by the daemon.
    private static func setNoLocking(_ fapl: H5PropertyList) throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Pset_file_locking(fapl.id, false, true), "disable file locking")
    }

    /// Whether the path is an HDF5 file (false for any other file); throws if it cannot be read.
    public static func isHDF5(_ path: String) throws(H5Error) -> Bool {
        H5Library.ensure()
        let r = H5Fis_hdf5(path)
        if r < 0 { throw H5Error.take("check whether \(path) is HDF5") }
        return r > 0
    }

    public func startSWMRWrite() throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Fstart_swmr_write(id), "start SWMR writing on \(path)")
    }

    /// Flushes every buffer of the file (metadata, raw data, global heap) to the OS.
    public func flush() throws(H5Error) {
        H5Library.ensure()
        try h5check(H5Fflush(id, H5F_SCOPE_GLOBAL), "flush \(path)")
    }

    public struct OrderedDriverStats: Sendable, Equatable {
        /// Object-header writes held back to the end of a flush, and their bytes.
        public var heldWrites: UInt64, heldBytes: UInt64
        /// Flushes that wrote held writes.
        public var commits: UInt64
        /// Times a commit waited for a reader to close the file; commits made with one still open.
        public var readerWaits: UInt64, waitTimeouts: UInt64
        /// Commits that failed (their writes stay held for the next flush); heap collections
        /// rewritten unordered; whole exposure waits taken blind (no lease, no inotify): the
        /// fallbacks that weaken the ordering.
        public var commitFailures: UInt64 = 0, unorderedRewrites: UInt64 = 0, blindWaits: UInt64 = 0
        /// Heap collections written again over their older version, tail first (HDF5 added
        /// objects to one already in the file).
        public var orderedRewrites: UInt64 = 0
    }

    /// Counters of the ordered driver (nil when the file does not use it).
    public var orderedDriverStats: OrderedDriverStats? {
        H5Library.ensure()
        var s = lrp_ordered_stats_t()
        guard lrp_ordered_stats(id, &s) >= 0 else { return nil }
        return .init(heldWrites: s.held_writes, heldBytes: s.held_bytes, commits: s.commits,
                     readerWaits: s.reader_waits, waitTimeouts: s.wait_timeouts, commitFailures: s.commit_failures,
                     unorderedRewrites: s.unordered_rewrites, blindWaits: s.blind_waits, orderedRewrites: s.ordered_rewrites)
    }

    /// Changes the exposure wait of a file that uses the ordered driver.
    public func setOrderedExposureWait(_ seconds: Double) throws(H5Error) {
        H5Library.ensure()
        try h5check(lrp_ordered_set_wait(id, seconds), "set the exposure delay of \(path)")
    }

    public var size: Int {
        H5Library.ensure()
        var s: hsize_t = 0
        return H5Fget_filesize(id, &s) < 0 ? 0 : Int(s)
    }

    /// The root group; it keeps this file object alive while it is in use.
    public var root: H5Group { H5Group(borrowing: id, path: "/", owner: self) }

    public func close() throws(H5Error) {
        H5Library.ensure()
        try handle.close("close \(path)")
    }
}
