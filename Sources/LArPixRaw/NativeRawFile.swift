import CHDF5
import HDF5
import HDF5Native

/// A raw file read through HDF5Native instead of the HDF5 library: what `RawFileReader` uses for
/// files HDF5 1.10.8 refuses as a newer format (pip's h5py over HDF5 1.12 to 2.x), and for any
/// file when the native path is forced. Checks the same v0.x layout as `RawFileLayout`.
final class NativeRawFile {
    let path: String
    let metadata: RawFileMetadata
    private var file: HDF5NativeFile
    private var messages: NativeDataset
    private var headers: NativeDataset
    /// Byte offset of io_groups in a /msg_headers row.
    private let ioGroupsOffset: Int

    init(path: String) throws(RawFileError) {
        self.path = path
        (file, messages, headers) = try Self.openDatasets(path)
        let hdrType = headers.datatype
        guard case .compound(_, let fields) = hdrType, let io = fields.first(where: { $0.name == RawFileLayout.ioGroupsField }),
              io.type.isUInt8 else {
            throw .notRawLayout(path: path, reason: "/msg_headers has no uint8 field io_groups")
        }
        ioGroupsOffset = io.offset
        metadata = try Self.readMetadata(file, path)
    }

    /// Maps the native reader's errors onto the raw file's kinds: what it does not implement
    /// is a newer format (exit 16); a torn or damaged structure an HDF5 error, transient when
    /// incomplete (a live file's writer may not have finished it).
    static func map(_ e: NativeHDF5Error, path: String) -> RawFileError {
        switch e.kind {
        case .notFound where e.structure == "superblock": return .notHDF5(path: path)
        case .notFound: return .notRawLayout(path: path, reason: "\(e.structure): \(e.reason)")
        case .unsupported: return .newerHDF5Format(path: path, detail: "the native reader: \(e.structure): \(e.reason)")
        case .incomplete:
            return .hdf5(path: path, error: H5Error(operation: "read \(path) natively", stack: "\(e.structure): \(e.reason) (not yet complete in the file)"))
        case .malformed, .io:
            return .hdf5(path: path, error: H5Error(operation: "read \(path) natively", stack: "\(e.structure): \(e.reason)"))
        }
    }

    private static func native<T>(_ path: String, _ body: () throws(NativeHDF5Error) -> T) throws(RawFileError) -> T {
        do { return try body() } catch { throw map(error, path: path) }
    }

    private static func openDatasets(_ path: String) throws(RawFileError) -> (HDF5NativeFile, NativeDataset, NativeDataset) {
        try native(path) { () throws(NativeHDF5Error) in
            let f = try HDF5NativeFile(path: path)
            let root = try f.root()
            let links = try root.links()
            for name in [RawFileLayout.metaGroup, RawFileLayout.messages, RawFileLayout.headers] where links[name] == nil {
                throw NativeHDF5Error(.notFound, path: path, structure: "/", reason: "no /\(name)")
            }
            let kinds: [(String, NativeObject.Kind)] = [(RawFileLayout.metaGroup, .group), (RawFileLayout.messages, .dataset),
                                                         (RawFileLayout.headers, .dataset)]
            for (name, want) in kinds where try root.child(name).kind != want {
                throw NativeHDF5Error(.notFound, path: path, structure: "/\(name)", reason: "is not a \(want == .group ? "group" : "dataset")")
            }
            let m = try NativeDataset(try root.child(RawFileLayout.messages))
            let h = try NativeDataset(try root.child(RawFileLayout.headers))
            guard case .variableLength(let base, false, _) = m.datatype, base.isUInt8 else {
                throw NativeHDF5Error(.notFound, path: path, structure: "/msgs", reason: "is not a variable-length sequence of uint8")
            }
            for d in [m, h] where d.dataspace.rank != 1 {
                throw NativeHDF5Error(.notFound, path: path, structure: d.name, reason: "has rank \(d.dataspace.rank), not 1")
            }
            return (f, m, h)
        }
    }

    /// /meta's attributes, with the types and shapes `RawFileLayout.openObjects` requires.
    private static func readMetadata(_ file: HDF5NativeFile, _ path: String) throws(RawFileError) -> RawFileMetadata {
        let attrs = try native(path) { () throws(NativeHDF5Error) in try file.object(RawFileLayout.metaGroup).attributes() }
        func value(_ name: String, number: Bool) throws(RawFileError) -> Attribute.Value? {
            guard let a = attrs.first(where: { $0.name == name }) else { return nil }
            let v = try native(path) { () throws(NativeHDF5Error) in try a.value(file.context) }
            guard a.dataspace.elementCount == 1 else {
                throw .notRawLayout(path: path, reason: "/meta attribute \(name) holds \(a.dataspace.elementCount ?? 0) values, not one")
            }
            switch (v, number) {
            case (.double, true), (.integer, true), (.string, false): return v
            default: throw .notRawLayout(path: path, reason: "/meta attribute \(name) is not a \(number ? "number" : "string")")
            }
        }
        func number(_ name: String) throws(RawFileError) -> Double {
            switch try value(name, number: true) {
            case .double(let d): return d
            case .integer(let i): return Double(i)
            default: throw .notRawLayout(path: path, reason: "/meta has no attribute \(name)")
            }
        }
        func text(_ name: String) throws(RawFileError) -> String? {
            if case .string(let s) = try value(name, number: false) { return s }
            return nil
        }
        guard let version = try text("version") else { throw .notRawLayout(path: path, reason: "/meta has no attribute version") }
        return RawFileMetadata(created: try number("created"), modified: try number("modified"), version: version,
                               ioVersion: try text("io_version"))
    }

    func lengths() -> (messages: Int, headers: Int) { (messages.count, headers.count) }

    /// Reads the file's structures again (a live writer may have appended).
    func refresh() throws(RawFileError) {
        (file, messages, headers) = try Self.openDatasets(path)
    }

    /// A live file's unallocated chunk is one its writer has not flushed yet, not fill.
    private var live: Bool { file.isMarkedOpenForWriting }

    func readIOGroups(start: Int, count: Int) throws(RawFileError) -> [UInt8] {
        let rows = try Self.native(path) { () throws(NativeHDF5Error) in
            try headers.readRows(start: start, count: count, unallocatedIsIncomplete: live)
        }
        let size = headers.elementSize, off = ioGroupsOffset
        return (0..<count).map { rows[$0 * size + off] }
    }

    /// Descriptors of rows [start, start+count) pointing into heap collections read from the file.
    func withDescriptors<T>(start: Int, count: Int, _ body: (UnsafeBufferPointer<hvl_t>) throws(RawFileError) -> T) throws(RawFileError) -> T {
        let d = UnsafeMutablePointer<hvl_t>.allocate(capacity: max(count, 1))
        d.initialize(repeating: hvl_t(len: 0, p: nil), count: max(count, 1))
        defer { d.deallocate() }
        let pins = try Self.native(path) { () throws(NativeHDF5Error) in
            try messages.readVariableLength(start: start, count: count, unallocatedIsIncomplete: live) { i, b in
                d[i] = hvl_t(len: b?.count ?? 0, p: b.map { UnsafeMutableRawPointer(mutating: $0.baseAddress) } ?? nil)
            }
        }
        return try withExtendedLifetime(pins) { () throws(RawFileError) -> T in try body(UnsafeBufferPointer(start: d, count: count)) }
    }
}
