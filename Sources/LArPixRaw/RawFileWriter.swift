import CHDF5
import Foundation
import HDF5

/// The long-lived appender: opens or creates one raw file, switches it to SWMR writing, and
/// appends batches of (message bytes, io_group) without copying the messages: each `hvl_t`
/// points at bytes the caller holds until `append` returns.
///
/// `flush()` flushes the whole file (metadata, chunks and the global heap that holds the message
/// bytes), which FORMAT.md section 3 measured as what keeps flushed messages readable after a
/// crash; flushing only the datasets loses the whole file on `kill -9`. By default it flushes in
/// order for live readers (see `Options.orderedFlush`), and a new file appears under its name
/// only once it is ready for SWMR readers.
/// Not thread-safe: one thread (the daemon's writer thread) owns a writer.
public final class RawFileWriter {
    public struct Options: Sendable, Equatable {
        /// > 0: paged file-space strategy with this page size (FORMAT.md section 3); 0: HDF5's default.
        public var pageSize: Int
        /// Page buffer for paged files (0 = none).
        public var pageBufferBytes: Int
        public var chunk: Int
        public var gzipLevel: Int?
        /// Ordered flush for live readers, through the ordered file driver (COrderedVFD). HDF5
        /// orders SWMR writes for fixed-size data only: the global heap that holds the message
        /// bytes is outside that ordering, and a reader trusts the end-of-allocation it read when
        /// it opened the file. The driver holds back the object headers (the datasets' extents,
        /// which make rows visible) until a flush has written everything else (message bytes,
        /// chunks, the superblock's end-of-allocation), then writes both datasets' headers in one
        /// write at a moment when no reader has the file open, waiting at most `exposureWait`.
        /// A reader that opens, reads and closes the file never sees a row whose bytes are not in
        /// the file, one beyond the end-of-allocation it read, or unequal lengths, unless it kept
        /// the file open longer than `exposureWait` across a flush. Off: HDF5's own order
        /// (FORMAT.md section 3).
        public var orderedFlush: Bool
        /// Longest wait (seconds) at the end of an ordered flush for readers to close the file.
        public var exposureWait: Double
        /// Permissions of a created file, set before anything is written to it whatever the
        /// process umask (the daemon uses 0640); nil: what the umask leaves of 0666.
        public var fileMode: mode_t?
        /// fsync the directory once a created file's name is in it (so that a power cut keeps the
        /// name). The daemon turns it off: its closed-file worker syncs the directory at the
        /// file's close, off the writer thread; a kill -9 loses no name either way.
        public var syncDirectory = true

        public init(pageSize: Int = 0, pageBufferBytes: Int = 0, chunk: Int = RawFileLayout.chunk,
                    gzipLevel: Int? = RawFileLayout.gzipLevel, orderedFlush: Bool = true, exposureWait: Double = 0,
                    fileMode: mode_t? = nil) {
            self.orderedFlush = orderedFlush
            self.exposureWait = exposureWait
            self.fileMode = fileMode
            self.pageSize = pageSize
            self.pageBufferBytes = pageBufferBytes
            self.chunk = chunk
            self.gzipLevel = gzipLevel
        }
    }

    public let path: String
    /// meta/modified as last written (what a catalog record calls the file's end time).
    public private(set) var modified: Double
    public let metadata: RawFileMetadata
    /// Rows in the file (both datasets) after the last append.
    public private(set) var messageCount: Int
    /// Message bytes appended through this writer.
    public private(set) var bytesAppended: Int = 0
    /// Messages appended through this writer.
    public private(set) var messagesAppended: Int = 0
    /// Whether flush and close set meta/modified to now (merge and split keep their source's).
    public var updatesModified = true

    private let file: H5File
    private let objects: RawFileLayout.Objects
    /// See `Options.exposureWait`; changeable on an open writer that flushes in order.
    public var exposureWait: Double {
        didSet { try? file.setOrderedExposureWait(exposureWait) }
    }
    private let messageMemoryType: H5Datatype
    private let headerMemoryType: H5Datatype
    // Reused across appends so that a batch costs no allocation here.
    private var descriptors: UnsafeMutablePointer<hvl_t>
    private var ioGroups: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The messages' type conversion (hvl_t to the file's variable-length form) and its
    /// background buffer (`ConversionBuffers`), not allocated and zeroed by HDF5 in each append.
    private let conversionBuffers: UnsafeMutableRawPointer
    private let transfer: H5PropertyList
    private var closed = false

    private init(file: H5File, path: String, objects: RawFileLayout.Objects, metadata: RawFileMetadata, count: Int,
                 exposureWait: Double) throws(RawFileError) {
        self.file = file
        self.exposureWait = exposureWait
        self.path = path
        self.objects = objects
        self.metadata = metadata
        self.modified = metadata.modified
        self.messageCount = count
        do {
            messageMemoryType = try RawFileLayout.messageMemoryType()
            headerMemoryType = try RawFileLayout.headerMemoryType()
        } catch { throw RawFileError.from(error, path: path) }
        capacity = 1024
        descriptors = .allocate(capacity: capacity)
        ioGroups = .allocate(capacity: capacity)
        let n = ConversionBuffers.bytes
        guard let buffers = ConversionBuffers.take() else {
            descriptors.deallocate()
            ioGroups.deallocate()
            throw RawFileError.notWritable(path: path, reason: "cannot allocate the type conversion buffers")
        }
        conversionBuffers = buffers
        do {
            transfer = try H5PropertyList.transfer(conversion: buffers, background: buffers + n, bytes: n)
        } catch {
            ConversionBuffers.give(buffers)
            descriptors.deallocate()
            ioGroups.deallocate()
            throw RawFileError.from(error, path: path)
        }
    }

    deinit {
        if !closed { try? close(fsync: false) }
        descriptors.deallocate()
        ioGroups.deallocate()
        ConversionBuffers.give(conversionBuffers)
    }

    // MARK: Opening

    /// Creates a new file (never overwrites) with /meta and both datasets, then starts SWMR writing.
    public static func create(_ path: String, version: FormatVersion = .latestFile, ioVersion: String? = nil,
                              options: Options = Options(), now: Double = Date().timeIntervalSince1970,
                              created: Double? = nil, run: RunTag? = nil,
                              embedded: EmbeddedArchive? = nil) throws(RawFileError) -> RawFileWriter {
        guard version == .latestFile else {
            throw .versionRefused(path: path, what: "version", file: nil, requested: version.description + " (this build writes only 0.0)")
        }
        if let io = ioVersion, FormatVersion(io) == nil {
            throw .invalidArgument(path: path, reason: "io_version \"\(io)\" is not major.minor")
        }
        try checkCreatable(path)
        // The file is built under a hidden name and linked into place once SWMR writing is on: a
        // reader polling for `path` never opens it half-made ("not already open for SWMR writing").
        let building = hiddenBuildingPath(for: path)
        // A failure after HDF5 created the file removes it: a refused create leaves nothing behind.
        var createdFile = false
        do {
            let file = try H5File.create(building, pageSize: options.pageSize, pageBufferBytes: options.pageBufferBytes,
                                         orderedExposureWait: options.orderedFlush ? options.exposureWait : nil)
            createdFile = true
            if let mode = options.fileMode, chmod(building, mode) != 0 {
                throw RawFileError.notWritable(path: path, reason: "cannot set mode \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
            }
            let root = file.root
            let meta = try root.createGroup(RawFileLayout.metaGroup)
            try meta.attributes.writeString("version", version.description)
            try meta.attributes.writeDouble("created", created ?? now)
            try meta.attributes.writeDouble("modified", now)
            if let io = ioVersion { try meta.attributes.writeString("io_version", io) }
            if let run { try RawFileMetadata.write(run, to: meta) }
            let msgs = try root.createDataset(RawFileLayout.messages, type: try RawFileLayout.messageFileType(),
                                              chunk: options.chunk, gzipLevel: options.gzipLevel)
            let hdrs = try root.createDataset(RawFileLayout.headers, type: try RawFileLayout.headerFileType(),
                                              chunk: options.chunk, gzipLevel: options.gzipLevel)
            // Before SWMR writing: HDF5 creates no object after it starts.
            if let e = embedded {
                let d = try root.createBytes(EmbeddedArchive.dataset, e.bytes)
                try d.attributes.writeString(EmbeddedArchive.dirnameAttribute, e.dirname)
                try d.close()
            }
            try file.startSWMRWrite()
            try file.flush()
            // link() refuses an existing name, so a file that appeared meanwhile is never replaced.
            if link(building, path) != 0 {
                let err = errno
                throw err == EEXIST ? RawFileError.exists(path: path) : .notWritable(path: path, reason: String(cString: strerror(err)))
            }
            unlink(building)
            createdFile = false
            if options.syncDirectory { DirectorySync.sync(directoryOf: path) }
            let md = RawFileMetadata(created: created ?? now, modified: now, version: version.description, ioVersion: ioVersion, run: run)
            return try RawFileWriter(file: file, path: path, objects: .init(meta: meta, messages: msgs, headers: hdrs),
                                     metadata: md, count: 0, exposureWait: options.exposureWait)
        } catch let e as H5Error {
            if createdFile { unlink(building) }
            throw mapCreateError(e, path: path)
        } catch let e as RawFileError {
            if createdFile { unlink(building) }
            throw e
        } catch {
            if createdFile { unlink(building) }
            throw .notWritable(path: path, reason: "\(error)")
        }
    }

    /// `dir/.name.building-PID`: hidden, in the same directory (so that link() works), per process.
    static func hiddenBuildingPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        return dir + "/." + url.lastPathComponent + ".building-\(getpid())"
    }

    /// Opens an existing raw file for appending, applying the reference's version rules:
    /// a requested `version` must equal the file's; a requested `ioVersion` needs the file's
    /// io_version with the same major and a minor at least as high. Sets meta/modified to now.
    /// Of `options`, only the flush order and exposure delay apply (the layout is the file's).
    public static func openForAppend(_ path: String, version: String? = nil, ioVersion: String? = nil,
                                     options: Options = Options(),
                                     now: Double = Date().timeIntervalSince1970, run: RunTag? = nil) throws(RawFileError) -> RawFileWriter {
        try RawFileLayout.checkReadablePath(path)
        guard access(path, W_OK) == 0 else { throw .notWritable(path: path, reason: String(cString: strerror(errno))) }
        let file: H5File
        do {
            file = try H5File.open(path, mode: .readWrite, orderedExposureWait: options.orderedFlush ? options.exposureWait : nil)
        } catch { throw RawFileError.from(error, path: path) }
        let objects = try RawFileLayout.openObjects(in: file)
        var md = try RawFileMetadata.read(from: objects.meta, path: path)
        let fileVersion = try md.parsedVersion(path: path)
        if let v = version, FormatVersion(v) != fileVersion {
            throw .versionRefused(path: path, what: "version", file: md.version, requested: v)
        }
        if let io = ioVersion {
            guard let requested = FormatVersion(io) else {
                throw .invalidArgument(path: path, reason: "io_version \"\(io)\" is not major.minor")
            }
            guard let fileIO = md.ioVersion.flatMap(FormatVersion.init), fileIO.satisfies(requested) else {
                throw .versionRefused(path: path, what: "io_version", file: md.ioVersion, requested: io)
            }
        }
        let n: Int
        do {
            let m = try objects.messages.count()
            let h = try objects.headers.count()
            guard m == h else { throw RawFileError.unequalLengths(path: path, msgs: m, headers: h) }
            n = m
            try objects.meta.attributes.writeDouble("modified", now)
            // Appending during a run retags the file with the run now in effect.
            if let run { try RawFileMetadata.write(run, to: objects.meta) }
            try file.startSWMRWrite()
            try file.flush()
        } catch let e as H5Error {
            throw RawFileError.from(e, path: path)
        } catch let e as RawFileError {
            throw e
        } catch { throw .notWritable(path: path, reason: "\(error)") }
        md.modified = now
        if let run { md.run = run }
        return try RawFileWriter(file: file, path: path, objects: objects, metadata: md, count: n, exposureWait: options.exposureWait)
    }

    private static func checkCreatable(_ path: String) throws(RawFileError) {
        if FileManager.default.fileExists(atPath: path) { throw .exists(path: path) }
        let dir = (path as NSString).deletingLastPathComponent
        let d = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir) else {
            throw .notWritable(path: path, reason: "directory \(d) does not exist")
        }
        guard isDir.boolValue else { throw .notWritable(path: path, reason: "\(d) is not a directory") }
        guard access(d, W_OK) == 0 else { throw .notWritable(path: path, reason: "directory \(d) is not writable") }
    }

    private static func mapCreateError(_ e: H5Error, path: String) -> RawFileError {
        // Out of space, a failed write, or a file that cannot be created or opened (H5E_FILE /
        // H5E_CANTOPENFILE) all mean: cannot write there, unless a writer holds the file.
        let classified = RawFileError.from(e, path: path)
        guard case .hdf5 = classified else { return classified }
        if e.has(minor: .noSpace) || e.has(minor: .writeError) || e.has(.file, .cantOpenFile) {
            return .notWritable(path: path, reason: e.stack)
        }
        return classified
    }

    // MARK: Appending

    private func reserve(_ n: Int) {
        guard n > capacity else { return }
        var c = capacity
        while c < n { c *= 2 }
        descriptors.deallocate()
        ioGroups.deallocate()
        descriptors = .allocate(capacity: c)
        ioGroups = .allocate(capacity: c)
        capacity = c
    }

    /// Appends `count` messages; `message(i)` gives the bytes and io_group of the i-th. The bytes
    /// must stay valid until this returns. Messages go first, headers second, so that a reader
    /// that sees equal lengths sees both rows written.
    public func append(count: Int, message: (Int) -> (bytes: UnsafeRawBufferPointer, ioGroup: UInt8)) throws(RawFileError) {
        guard count > 0 else { return }
        reserve(count)
        var bytes = 0
        for i in 0..<count {
            let (b, g) = message(i)
            descriptors[i] = hvl_t(len: b.count, p: UnsafeMutableRawPointer(mutating: b.baseAddress))
            ioGroups[i] = g
            bytes += b.count
        }
        try appendPrepared(count: count)
        bytesAppended += bytes
    }

    /// Appends rows whose descriptors are already in HDF5's form (merge and split pass through
    /// what they read without copying the bytes).
    func append(descriptors source: UnsafeBufferPointer<hvl_t>, ioGroups groups: UnsafeBufferPointer<UInt8>) throws(RawFileError) {
        let count = source.count
        guard count > 0 else { return }
        reserve(count)
        var bytes = 0
        for i in 0..<count {
            descriptors[i] = source[i]
            ioGroups[i] = groups[i]
            bytes += source[i].len
        }
        try appendPrepared(count: count)
        bytesAppended += bytes
    }

    /// Convenience for tools and tests: messages held as arrays (pins each one in turn is not
    /// possible for a batch, so this copies them once into one buffer).
    public func append(messages: [[UInt8]], ioGroups groups: [UInt8]) throws(RawFileError) {
        guard messages.count == groups.count else {
            throw .badHeaders(path: path, reason: "\(messages.count) messages but \(groups.count) io_groups")
        }
        let flat = messages.flatMap { $0 }
        var offsets = [Int](repeating: 0, count: messages.count + 1)
        for (i, m) in messages.enumerated() { offsets[i + 1] = offsets[i] + m.count }
        let failure = flat.withUnsafeBytes { all -> RawFileError? in
            do {
                try append(count: messages.count) { i in
                    (UnsafeRawBufferPointer(rebasing: all[offsets[i]..<offsets[i + 1]]), groups[i])
                }
                return nil
            } catch { return error as? RawFileError }
        }
        if let failure { throw failure }
    }

    private func appendPrepared(count: Int) throws(RawFileError) {
        let start = messageCount
        do {
            try objects.messages.setCount(start + count)
            try objects.messages.write(descriptors, memType: messageMemoryType, start: start, count: count, transfer: transfer)
            try objects.headers.setCount(start + count)
            try objects.headers.write(ioGroups, memType: headerMemoryType, start: start, count: count, transfer: transfer)
        } catch {
            throw RawFileError.from(error, path: path)
        }
        messageCount = start + count
        messagesAppended += count
    }

    // MARK: Flushing and closing

    /// Sets meta/modified and flushes the whole file: after this returns, every appended message
    /// survives a crash of this process.
    public func flush(now: Double = Date().timeIntervalSince1970) throws(RawFileError) {
        do {
            if updatesModified { try objects.meta.attributes.writeDouble("modified", now); modified = now }
            try file.flush()
        } catch { throw RawFileError.from(error, path: path) }
    }

    /// The ordered driver's counters (nil for a writer that flushes in HDF5's own order).
    public var orderedDriverStats: H5File.OrderedDriverStats? { file.orderedDriverStats }

    /// Current size of the file on disk as HDF5 sees it.
    public var fileSize: Int { file.size }

    /// Flushes, closes every handle, and (by default) fsyncs the file so it is on disk.
    public func close(fsync doSync: Bool = true) throws(RawFileError) {
        guard !closed else { return }
        closed = true
        do {
            if updatesModified {
                let now = Date().timeIntervalSince1970
                try objects.meta.attributes.writeDouble("modified", now)
                modified = now
            }
            try file.flush()
            try objects.close(with: file)
        } catch { throw RawFileError.from(error, path: path) }
        if doSync {
            let fd = open(path, O_RDONLY)
            if fd >= 0 {
                defer { _ = Glibc.close(fd) }
                if fsync(fd) != 0 { throw .notWritable(path: path, reason: "fsync: " + String(cString: strerror(errno))) }
            }
        }
    }
}
