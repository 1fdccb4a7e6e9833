import Foundation
import HDF5

/// A larpix-control packet file (format 2.4) open for appending rows, made as `to_file` makes
/// it: `_header` (version, created, modified), `packets` with its `packet_types` attribute, and
/// the empty `messages` and `configs` datasets. All calls on one thread.
public final class PacketFile {
    public let path: String
    private let file: H5File
    private let header: H5Group
    private let packets: H5Dataset
    private let rowType: H5Datatype
    /// Rows in `packets`.
    public private(set) var rows: Int
    /// Appends made (H5Dwrite calls).
    public private(set) var writes = 0
    private var closed = false

    private init(path: String, file: H5File, header: H5Group, packets: H5Dataset, rowType: H5Datatype, rows: Int) {
        self.path = path
        self.file = file
        self.header = header
        self.packets = packets
        self.rowType = rowType
        self.rows = rows
    }

    /// The 2.4 row type of `packets` (as h5py makes it from the numpy dtype).
    public static func packetRowType() throws(H5Error) -> H5Datatype {
        try compound(PacketFormat.packetFields, size: PacketFormat.packetRowBytes)
    }

    static func compound(_ fields: [PacketFormat.Field], size: Int) throws(H5Error) -> H5Datatype {
        var members: [(String, Int, H5Datatype)] = []
        for f in fields {
            let t: H5Datatype
            if f.isString { t = try .fixedASCIIString(size: f.bytes) }
            else if f.count > 1 { t = try .array(of: try .unsignedLE(bytes: f.bytes), count: f.count) }
            else { t = try .unsignedLE(bytes: f.bytes) }
            members.append((f.name, f.offset, t))
        }
        return try .compound(size: size, fields: members)
    }

    /// Creates a new file (never overwriting). `chunkRows`: the chunk of `packets` (to_file's is
    /// `ChunkGuess` of its first block). `swmr`: "latest" bounds and SWMR writing on, so readers
    /// can poll it live (--follow); otherwise h5py's default bounds.
    public static func create(_ path: String, chunkRows: Int, swmr: Bool,
                              now: Double = Date().timeIntervalSince1970) throws(PacketConversionError) -> PacketFile {
        if FileManager.default.fileExists(atPath: path) { throw .exists(path: path) }
        // A SWMR file is built under a hidden name and linked into place once SWMR writing is on,
        // so a reader polling for it never opens it half-made (as RawFileWriter does).
        let building = swmr ? hiddenBuildingPath(for: path) : path
        do {
            let file = swmr ? try H5File.create(building) : try H5File.createCompatible(building)
            let header = try file.root.createGroup(PacketFormat.headerGroup)
            try header.attributes.writeString("version", PacketFormat.version)
            try header.attributes.writeDouble("created", now)
            try header.attributes.writeDouble("modified", now)
            let type = try packetRowType()
            let packets = try file.root.createTable(PacketFormat.packetsDataset, type: type, chunk: max(1, chunkRows))
            try packets.attributes.writeString("packet_types", PacketFormat.packetTypesText)
            try createSideTables(in: file.root)
            if swmr {
                try file.startSWMRWrite()
                try file.flush()
                if link(building, path) != 0 {
                    let err = errno
                    throw err == EEXIST ? PacketConversionError.exists(path: path) : .notWritable(path: path, reason: String(cString: strerror(err)))
                }
                unlink(building)
            }
            return PacketFile(path: path, file: file, header: header, packets: packets, rowType: type, rows: 0)
        } catch {
            let e = mapped(error, path)
            if case .exists = e {} else { unlink(building) }
            if swmr { unlink(building) }
            throw e
        }
    }

    /// `dir/.name.building-PID`: hidden, beside the final name (so that link() works).
    static func hiddenBuildingPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".building-\(getpid())"
    }

    /// `messages` and `configs`, empty, with h5py's chunk guess for an empty dataset.
    private static func createSideTables(in root: H5Group) throws(H5Error) {
        if try !root.exists(PacketFormat.messagesDataset) {
            let t = try compound(PacketFormat.messageFields, size: PacketFormat.messageRowBytes)
            try root.createTable(PacketFormat.messagesDataset, type: t,
                                 chunk: ChunkGuess.rows(forInitialRows: 0, rowBytes: PacketFormat.messageRowBytes)).close()
        }
        if try !root.exists(PacketFormat.configsDataset) {
            let t = try compound(PacketFormat.configFields, size: PacketFormat.configRowBytes)
            try root.createTable(PacketFormat.configsDataset, type: t,
                                 chunk: ChunkGuess.rows(forInitialRows: 0, rowBytes: PacketFormat.configRowBytes)).close()
        }
    }

    /// Opens an existing 2.4 packet file to append to it, as to_file does to an existing file
    /// (missing `messages`/`configs` are created). `swmr`: SWMR writing (the file needs
    /// "latest" bounds, i.e. one written with --follow).
    public static func openForAppend(_ path: String, swmr: Bool,
                                     now: Double = Date().timeIntervalSince1970) throws(PacketConversionError) -> PacketFile {
        guard FileManager.default.fileExists(atPath: path) else { throw .raw(.notFound(path: path)) }
        guard access(path, W_OK) == 0 else { throw .notWritable(path: path, reason: String(cString: strerror(errno))) }
        do {
            guard try H5File.isHDF5(path) else { throw PacketConversionError.notPacketFile(path: path, reason: "not an HDF5 file") }
            let file = try H5File.open(path, mode: .readWrite, latestFormat: swmr)
            let root = file.root
            guard try root.exists(PacketFormat.headerGroup), try root.exists(PacketFormat.packetsDataset) else {
                throw PacketConversionError.notPacketFile(path: path, reason: "no _header group or packets dataset")
            }
            let header = try root.openGroup(PacketFormat.headerGroup)
            let version = try header.attributes.exists("version") ? try header.attributes.readString("version") : "(none)"
            guard version == PacketFormat.version else { throw PacketConversionError.versionRefused(path: path, found: version) }
            let packets = try root.openDataset(PacketFormat.packetsDataset)
            let type = try packetRowType()
            guard try packets.type().isEqual(to: type) else {
                throw PacketConversionError.notPacketFile(path: path, reason: "packets does not have the 2.4 row type")
            }
            try createSideTables(in: root)
            try header.attributes.writeDouble("modified", now)
            if swmr { try file.startSWMRWrite() }
            return PacketFile(path: path, file: file, header: header, packets: packets, rowType: type, rows: try packets.count())
        } catch { throw mapped(error, path) }
    }

    /// Appends `count` rows of 36 bytes from `buffer`: one extent change, one H5Dwrite.
    public func append(_ buffer: UnsafeRawPointer, count: Int) throws(PacketConversionError) {
        guard count > 0 else { return }
        do {
            try packets.setCount(rows + count)
            try packets.write(buffer, memType: rowType, start: rows, count: count)
        } catch { throw Self.mapped(error, path) }
        rows += count
        writes += 1
    }

    /// Sets `modified` and flushes everything to the OS (a SWMR reader then sees the new rows).
    public func flush(now: Double = Date().timeIntervalSince1970) throws(PacketConversionError) {
        do {
            try header.attributes.writeDouble("modified", now)
            try file.flush()
        } catch { throw Self.mapped(error, path) }
    }

    /// Sets `modified`, closes, and optionally fsyncs the file.
    public func close(fsync doSync: Bool = false) throws(PacketConversionError) {
        guard !closed else { return }
        closed = true
        do {
            try header.attributes.writeDouble("modified", Date().timeIntervalSince1970)
            try packets.close()
            try header.close()
            try file.close()
        } catch { throw Self.mapped(error, path) }
        if doSync { try Self.fsync(path) }
    }

    /// fsync(2) of a file or directory.
    public static func fsync(_ path: String) throws(PacketConversionError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .notWritable(path: path, reason: "open for fsync: " + String(cString: strerror(errno))) }
        defer { _ = Glibc.close(fd) }
        if Glibc.fsync(fd) != 0 { throw .notWritable(path: path, reason: "fsync: " + String(cString: strerror(errno))) }
    }

    static func mapped(_ error: Error, _ path: String) -> PacketConversionError {
        switch error {
        case let e as PacketConversionError: return e
        case let e as H5Error:
            let s = e.stack.lowercased()
            if s.contains("file exists") || s.contains("already exists") { return .exists(path: path) }
            if s.contains("no space") || s.contains("permission denied") || s.contains("unable to create file") {
                return .notWritable(path: path, reason: e.stack)
            }
            return .hdf5(path: path, error: e)
        default: return .notWritable(path: path, reason: "\(error)")
        }
    }
}
