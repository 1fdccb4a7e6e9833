/// The superblock (versions 0 to 3): sizes of offsets and lengths, the base address, and where
/// the root group's object header is.
public struct Superblock: Sendable {
    public static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    public let version: Int
    /// File offset of the signature (0, or 512, 1024, ... after a user block).
    public let location: UInt64
    public let sizeOfOffsets: Int
    public let sizeOfLengths: Int
    public let baseAddress: UInt64
    public let endOfFileAddress: UInt64
    public let rootObjectHeader: UInt64
    /// File consistency flags (v2/v3: bit 0 open for writing, bit 2 open for SWMR writing).
    public let consistencyFlags: UInt32

    /// Finds and parses the superblock: at 0, else at 512 and each doubling below the file size.
    public static func read(_ file: FileBytes) throws(NativeHDF5Error) -> Superblock {
        var at: UInt64 = 0
        while at < file.size {
            let head = try file.readUpTo(8, at: at, what: "superblock")
            if head == signature { return try parse(file, at: at) }
            at = at == 0 ? 512 : at * 2
        }
        throw NativeHDF5Error(.notFound, path: file.path, structure: "superblock", reason: "no HDF5 signature: not an HDF5 file")
    }

    private static func parse(_ file: FileBytes, at: UInt64) throws(NativeHDF5Error) -> Superblock {
        let bytes = try file.readUpTo(256, at: at, what: "superblock")
        guard bytes.count > 8 else {
            throw NativeHDF5Error(.incomplete, path: file.path, structure: "superblock", reason: "truncated")
        }
        let version = Int(bytes[8])
        switch version {
        case 0, 1: return try parseV0(file, bytes, at: at, version: version)
        case 2, 3: return try parseV2(file, bytes, at: at, version: version)
        default:
            throw NativeHDF5Error(.unsupported, path: file.path, structure: "superblock", reason: "version \(version) is not supported (0 to 3 are)")
        }
    }

    private static func checkSizes(_ file: FileBytes, _ o: Int, _ l: Int) throws(NativeHDF5Error) {
        guard [2, 4, 8].contains(o), [2, 4, 8].contains(l) else {
            throw NativeHDF5Error(.malformed, path: file.path, structure: "superblock", reason: "size of offsets \(o) / lengths \(l) is not 2, 4 or 8")
        }
    }

    private static func parseV2(_ file: FileBytes, _ bytes: [UInt8], at: UInt64, version: Int) throws(NativeHDF5Error) -> Superblock {
        guard bytes.count >= 12 else {
            throw NativeHDF5Error(.incomplete, path: file.path, structure: "superblock", reason: "truncated")
        }
        let o = Int(bytes[9]), l = Int(bytes[10])
        try checkSizes(file, o, l)
        let ctx = FormatContext(file: file, sizeOfOffsets: o, sizeOfLengths: l, baseAddress: 0)
        let end = 12 + 4 * o
        guard bytes.count >= end + 4 else {
            throw NativeHDF5Error(.incomplete, path: file.path, structure: "superblock", reason: "truncated")
        }
        try ctx.checkChecksum(bytes, end: end, "superblock")
        var r = ByteReader(bytes, context: ctx, structure: "superblock", position: 11)
        let flags = UInt32(try r.u8())
        let base = try r.uint(o)
        _ = try r.address()                                   // superblock extension: nothing we need
        let eof = try r.uint(o)
        guard let root = try r.address() else { throw ctx.error(.malformed, "superblock", "no root group object header") }
        return Superblock(version: version, location: at, sizeOfOffsets: o, sizeOfLengths: l, baseAddress: base,
                          endOfFileAddress: eof, rootObjectHeader: root, consistencyFlags: flags)
    }

    private static func parseV0(_ file: FileBytes, _ bytes: [UInt8], at: UInt64, version: Int) throws(NativeHDF5Error) -> Superblock {
        guard bytes.count >= 24 else {
            throw NativeHDF5Error(.incomplete, path: file.path, structure: "superblock", reason: "truncated")
        }
        // 9: free-space version, root symbol table version, reserved, shared header version.
        let o = Int(bytes[13]), l = Int(bytes[14])
        try checkSizes(file, o, l)
        let ctx = FormatContext(file: file, sizeOfOffsets: o, sizeOfLengths: l, baseAddress: 0)
        var r = ByteReader(bytes, context: ctx, structure: "superblock", position: 16)
        _ = try r.u16(); _ = try r.u16()                     // group leaf / internal node K
        let flags = try r.u32()
        if version == 1 { _ = try r.u16(); _ = try r.u16() } // indexed storage K, reserved
        let base = try r.uint(o)
        _ = try r.address()                                   // free-space info
        let eof = try r.uint(o)
        _ = try r.address()                                   // driver information block
        // Root group symbol table entry: link name offset, object header address, cache type, ...
        _ = try r.uint(o)
        guard let root = try r.address() else { throw ctx.error(.malformed, "superblock", "no root group object header") }
        return Superblock(version: version, location: at, sizeOfOffsets: o, sizeOfLengths: l, baseAddress: base,
                          endOfFileAddress: eof, rootObjectHeader: root, consistencyFlags: flags)
    }
}
