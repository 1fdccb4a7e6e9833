/// The datatype message (versions 1 to 5), for the classes raw files and their attributes use:
/// integers, floats, strings, bitfields, opaque, compound, variable-length, array, enum.
public indirect enum Datatype: Sendable, Equatable {
    case fixedPoint(size: Int, signed: Bool, bigEndian: Bool)
    case floatingPoint(size: Int, bigEndian: Bool)
    /// Fixed-length string; `utf8` from the character set, `padding` 0 NUL-terminated, 1 NUL-padded, 2 space-padded.
    case string(size: Int, padding: Int, utf8: Bool)
    case bitfield(size: Int)
    case opaque(size: Int)
    case compound(size: Int, members: [CompoundMember])
    /// A variable-length sequence of `base` (string == false) or a variable-length string.
    case variableLength(base: Datatype, string: Bool, utf8: Bool)
    case array(dimensions: [UInt32], base: Datatype)
    case enumeration(base: Datatype, names: [String])

    public struct CompoundMember: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let type: Datatype
    }

    /// Bytes of one element as stored in the file (a vlen element is its heap descriptor).
    public func storedSize(_ ctx: FormatContext) -> Int {
        switch self {
        case .fixedPoint(let s, _, _), .floatingPoint(let s, _), .string(let s, _, _), .bitfield(let s), .opaque(let s), .compound(let s, _): return s
        case .variableLength: return 4 + ctx.sizeOfOffsets + 4
        case .array(let dims, let base): return dims.reduce(base.storedSize(ctx)) { $0 * Int($1) }
        case .enumeration(let base, _): return base.storedSize(ctx)
        }
    }

    /// A one-byte unsigned integer (how `uint8` and h5py's `u1` are stored).
    public var isUInt8: Bool {
        if case .fixedPoint(1, false, _) = self { return true }
        return false
    }

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> Datatype {
        var r = ByteReader(body, context: ctx, structure: what + " datatype message")
        return try parse(&r, depth: 0)
    }

    static func parse(_ r: inout ByteReader, depth: Int) throws(NativeHDF5Error) -> Datatype {
        guard depth < 16 else { throw r.error(.malformed, "datatypes nested deeper than 16") }
        let classAndVersion = try r.u8()
        let version = Int(classAndVersion >> 4), cls = Int(classAndVersion & 0x0F)
        guard (1...5).contains(version) else { throw r.error(.unsupported, "datatype message version \(version) is not supported (1 to 5 are)") }
        let bits = UInt32(try r.u8()) | UInt32(try r.u8()) << 8 | UInt32(try r.u8()) << 16
        let sizeValue = try r.u32()
        guard sizeValue <= 1 << 28 else { throw r.error(.malformed, "datatype of \(sizeValue) bytes") }
        let size = Int(sizeValue)
        switch cls {
        case 0:
            try r.skip(4)                                     // bit offset, precision
            return .fixedPoint(size: size, signed: bits & 0x08 != 0, bigEndian: bits & 0x01 != 0)
        case 1:
            try r.skip(12)                                    // bit offset, precision, exponent/mantissa layout, bias
            return .floatingPoint(size: size, bigEndian: bits & 0x01 != 0)
        case 3:
            return .string(size: size, padding: Int(bits & 0x0F), utf8: (bits >> 4) & 0x0F == 1)
        case 4:
            try r.skip(4)
            return .bitfield(size: size)
        case 5:
            try r.skip(Int(bits & 0xFF))                      // ASCII tag, padded to 8 bytes
            return .opaque(size: size)
        case 6: return try parseCompound(&r, version: version, bits: bits, size: size, depth: depth)
        case 8: return try parseEnum(&r, version: version, bits: bits, depth: depth)
        case 9:
            let base = try parse(&r, depth: depth + 1)
            return .variableLength(base: base, string: bits & 0x0F == 1, utf8: (bits >> 8) & 0x0F == 1)
        case 10: return try parseArray(&r, version: version, depth: depth)
        default:
            throw r.error(.unsupported, "datatype class \(cls) is not supported")
        }
    }

    private static func memberName(_ r: inout ByteReader, version: Int) throws(NativeHDF5Error) -> String {
        let start = r.position
        let name = try r.cString()
        if version < 3 { try r.align(8, from: start) }        // versions 1 and 2 pad names to 8 bytes
        return name
    }

    private static func parseCompound(_ r: inout ByteReader, version: Int, bits: UInt32, size: Int, depth: Int) throws(NativeHDF5Error) -> Datatype {
        let count = Int(bits & 0xFFFF)
        // Versions 3 and later store a member's offset in as few bytes as the compound's size needs.
        let offsetBytes = size < 1 << 8 ? 1 : size < 1 << 16 ? 2 : size < 1 << 24 ? 3 : 4
        var members: [CompoundMember] = []
        for _ in 0..<count {
            let name = try memberName(&r, version: version)
            let offset: Int
            if version >= 3 {
                offset = Int(try r.uint(offsetBytes))
            } else {
                offset = Int(try r.u32())
                if version == 1 { try r.skip(1 + 3 + 4 + 4 + 16) } // dimensionality, reserved, permutation, reserved, sizes
            }
            let type = try parse(&r, depth: depth + 1)
            guard offset <= size, type.storedSize(r.context) <= size - offset else {
                throw r.error(.malformed, "compound member \(name) at \(offset) does not fit in \(size) bytes")
            }
            members.append(CompoundMember(name: name, offset: offset, type: type))
        }
        return .compound(size: size, members: members)
    }

    private static func parseEnum(_ r: inout ByteReader, version: Int, bits: UInt32, depth: Int) throws(NativeHDF5Error) -> Datatype {
        let count = Int(bits & 0xFFFF)
        let base = try parse(&r, depth: depth + 1)
        var names: [String] = []
        for _ in 0..<count { names.append(try memberName(&r, version: version)) }
        try r.skip(count * base.storedSize(r.context))       // the values
        return .enumeration(base: base, names: names)
    }

    private static func parseArray(_ r: inout ByteReader, version: Int, depth: Int) throws(NativeHDF5Error) -> Datatype {
        let rank = Int(try r.u8())
        guard rank <= 32 else { throw r.error(.malformed, "array of rank \(rank)") }
        if version < 3 { try r.skip(3) }
        var dims: [UInt32] = []
        for _ in 0..<rank { dims.append(try r.u32()) }
        if version < 3 { try r.skip(4 * rank) }               // permutation indices
        let base = try parse(&r, depth: depth + 1)
        var total = UInt64(base.storedSize(r.context))
        for d in dims {
            let (p, o) = total.multipliedReportingOverflow(by: UInt64(d))
            guard !o, p <= 1 << 28 else { throw r.error(.malformed, "array type too large") }
            total = p
        }
        return .array(dimensions: dims, base: base)
    }
}
