import CHDF5
import Foundation
import HDF5

/// The v0.0 layout (FORMAT.md section 1): names, types, and the checks that a file has them.
public enum RawFileLayout {
    public static let metaGroup = "meta"
    public static let messages = "msgs"
    public static let headers = "msg_headers"
    public static let ioGroupsField = "io_groups"
    /// The reference's chunk; readers do not depend on it.
    public static let chunk = 1024
    /// Deflate level of both datasets' chunks, which hold only the 16-byte sequence descriptors and
    /// the io_group bytes (the messages are in the global heap, uncompressed). The reference uses 4;
    /// level 1 makes files of the same size at 24 B, 1032 B and 64 KiB and takes 17 % fewer of the
    /// C appender's instructions at 24 B, 10 % at 1032 B (BENCHMARKS.md, "Deflate level"). Readers
    /// do not depend on it.
    public static let gzipLevel = 1

    /// On-disk message type: variable-length sequence of little-endian uint8 (h5py's vlen_dtype('u1')).
    static func messageFileType() throws(H5Error) -> H5Datatype { try .vlen(of: .uint8LE) }
    /// In-memory message type: variable-length sequence of native uint8, an `hvl_t` per message.
    static func messageMemoryType() throws(H5Error) -> H5Datatype { try .vlen(of: .nativeUInt8) }
    /// On-disk header type: compound { io_groups: uint8 }.
    static func headerFileType() throws(H5Error) -> H5Datatype {
        try .compound(size: 1, fields: [(ioGroupsField, 0, .uint8LE)])
    }
    /// In-memory header type: only the io_groups field, one byte per message.
    static func headerMemoryType() throws(H5Error) -> H5Datatype {
        try .compound(size: 1, fields: [(ioGroupsField, 0, .nativeUInt8)])
    }

    /// Refuses missing, directory, and non-HDF5 paths before HDF5 sees them, with clear errors.
    static func checkReadablePath(_ path: String) throws(RawFileError) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw .notFound(path: path) }
        if isDir.boolValue { throw .isDirectory(path: path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .notWritable(path: path, reason: "not readable (permission denied)")
        }
        let isHDF5: Bool
        do { isHDF5 = try H5File.isHDF5(path) } catch { throw RawFileError.from(error, path: path) }
        if !isHDF5 { throw .notHDF5(path: path) }
    }

    /// The objects of an open raw file, checked for the v0.0 layout.
    struct Objects {
        let meta: H5Group
        let messages: H5Dataset
        let headers: H5Dataset

        /// Closes the objects, then `file`: HDF5 closes a file only once nothing in it is open.
        func close(with file: H5File) throws(H5Error) {
            try messages.close()
            try headers.close()
            try meta.close()
            try file.close()
        }
    }

    static func openObjects(in file: H5File) throws(RawFileError) -> Objects {
        let path = file.path
        func h5<T>(_ body: () throws(H5Error) -> T) throws(RawFileError) -> T {
            do { return try body() } catch { throw RawFileError.from(error, path: path) }
        }
        let root = file.root
        for name in [metaGroup, messages, headers] {
            guard try h5({ () throws(H5Error) in try root.exists(name) }) else {
                throw .notRawLayout(path: path, reason: "no /\(name)")
            }
        }
        // Wrong kinds (a group where a dataset belongs, …) are layout errors, not HDF5 failures.
        for (name, want) in [(metaGroup, H5Group.ObjectKind.group), (messages, .dataset), (headers, .dataset)] {
            let kind = try h5 { () throws(H5Error) in try root.kind(of: name) }
            guard kind == want else {
                throw .notRawLayout(path: path, reason: "/\(name) is not a \(want == .group ? "group" : "dataset")")
            }
        }
        let meta = try h5 { () throws(H5Error) in try root.openGroup(metaGroup) }
        let msgs = try h5 { () throws(H5Error) in try root.openDataset(messages) }
        let hdrs = try h5 { () throws(H5Error) in try root.openDataset(headers) }

        // /msgs: rank 1, variable-length sequence of one-byte unsigned integers.
        let msgType = try h5 { () throws(H5Error) in try msgs.type() }
        guard msgType.typeClass == H5T_VLEN,
              let base = try? msgType.superType(), base.isUnsignedInteger(bytes: 1) else {
            throw .notRawLayout(path: path, reason: "/msgs is not a variable-length sequence of uint8")
        }
        // /msg_headers: rank 1, compound with a uint8 io_groups field.
        let hdrType = try h5 { () throws(H5Error) in try hdrs.type() }
        let fields = try h5 { () throws(H5Error) in try hdrType.compoundFields() }
        guard hdrType.typeClass == H5T_COMPOUND,
              let io = fields.first(where: { $0.name == ioGroupsField }), io.type.isUnsignedInteger(bytes: 1) else {
            throw .notRawLayout(path: path, reason: "/msg_headers has no uint8 field io_groups")
        }
        for d in [msgs, hdrs] {
            let rank = try h5 { () throws(H5Error) in try d.space().rank }
            if rank != 1 { throw .notRawLayout(path: path, reason: "\(d.path) has rank \(rank), not 1") }
        }
        let attrs = meta.attributes
        for name in ["version", "created", "modified"] {
            guard try h5({ () throws(H5Error) in try attrs.exists(name) }) else {
                throw .notRawLayout(path: path, reason: "/meta has no attribute \(name)")
            }
        }
        // Types and shapes of the attributes: numbers for the times, strings for the versions,
        // one value each (reading a non-scalar into one value would overrun it).
        var expected: [(String, [H5T_class_t])] = [("created", [H5T_FLOAT, H5T_INTEGER]), ("modified", [H5T_FLOAT, H5T_INTEGER]),
                                                   ("version", [H5T_STRING])]
        if try h5({ () throws(H5Error) in try attrs.exists("io_version") }) { expected.append(("io_version", [H5T_STRING])) }
        for (name, classes) in expected {
            let cls = try h5 { () throws(H5Error) in try attrs.typeClass(name) }
            guard classes.contains(cls) else {
                throw .notRawLayout(path: path, reason: "/meta attribute \(name) is not a \(classes[0] == H5T_STRING ? "string" : "number")")
            }
            let n = try h5 { () throws(H5Error) in try attrs.elementCount(name) }
            guard n == 1 else { throw .notRawLayout(path: path, reason: "/meta attribute \(name) holds \(n) values, not one") }
        }
        return Objects(meta: meta, messages: msgs, headers: hdrs)
    }
}
