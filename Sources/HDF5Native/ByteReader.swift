/// A bounds-checked little-endian cursor over the bytes of one structure. Every read past the
/// end throws, naming the structure.
public struct ByteReader {
    public let bytes: [UInt8]
    public var position: Int
    public let context: FormatContext
    public let structure: String

    public init(_ bytes: [UInt8], context: FormatContext, structure: String, position: Int = 0) {
        self.bytes = bytes
        self.context = context
        self.structure = structure
        self.position = position
    }

    public var remaining: Int { bytes.count - position }

    public func error(_ kind: NativeHDF5Error.Kind, _ reason: String) -> NativeHDF5Error {
        context.error(kind, structure, reason)
    }

    @inline(__always)
    private mutating func need(_ n: Int) throws(NativeHDF5Error) {
        guard n >= 0, n <= bytes.count - position else {
            throw error(.malformed, "needs \(n) more bytes at byte \(position) of \(bytes.count)")
        }
    }

    public mutating func skip(_ n: Int) throws(NativeHDF5Error) {
        try need(n)
        position += n
    }

    public mutating func u8() throws(NativeHDF5Error) -> UInt8 {
        try need(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() throws(NativeHDF5Error) -> UInt16 { UInt16(try uint(2)) }
    public mutating func u32() throws(NativeHDF5Error) -> UInt32 { UInt32(try uint(4)) }
    public mutating func u64() throws(NativeHDF5Error) -> UInt64 { try uint(8) }

    /// An unsigned little-endian integer of `size` bytes (0...8).
    public mutating func uint(_ size: Int) throws(NativeHDF5Error) -> UInt64 {
        guard size >= 0 && size <= 8 else { throw error(.malformed, "integer of \(size) bytes") }
        try need(size)
        var v: UInt64 = 0
        for k in 0..<size { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += size
        return v
    }

    /// An address of the file's size of offsets; nil when it is the undefined address.
    public mutating func address() throws(NativeHDF5Error) -> UInt64? {
        let a = try uint(context.sizeOfOffsets)
        return a == context.undefinedAddress ? nil : a
    }

    /// A length of the file's size of lengths.
    public mutating func length() throws(NativeHDF5Error) -> UInt64 { try uint(context.sizeOfLengths) }

    /// A length that must fit in `limit` (an allocation or a count made from it).
    public mutating func length(atMost limit: UInt64, _ what: String) throws(NativeHDF5Error) -> Int {
        let v = try length()
        guard v <= limit else { throw error(.malformed, "\(what) \(v) exceeds \(limit)") }
        return Int(v)
    }

    public mutating func bytes(_ n: Int) throws(NativeHDF5Error) -> ArraySlice<UInt8> {
        try need(n)
        defer { position += n }
        return bytes[position..<(position + n)]
    }

    /// A NUL-terminated string (the NUL is consumed), at most `limit` bytes long.
    public mutating func cString(limit: Int = 1 << 16) throws(NativeHDF5Error) -> String {
        var end = position
        while end < bytes.count && bytes[end] != 0 {
            end += 1
            if end - position > limit { throw error(.malformed, "a name longer than \(limit) bytes") }
        }
        guard end < bytes.count else { throw error(.malformed, "a name without its terminating NUL") }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// Advances to the next multiple of `alignment` counted from `origin`.
    public mutating func align(_ alignment: Int, from origin: Int = 0) throws(NativeHDF5Error) {
        let off = (position - origin) % alignment
        if off != 0 { try skip(alignment - off) }
    }
}
