/// A link message (version 1): a named link from a group, hard (to an object header) or not.
public struct LinkMessage: Sendable {
    public let name: String
    /// The object header address of a hard link; nil for soft and external links.
    public let target: UInt64?
    public let linkType: UInt8

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> LinkMessage {
        var r = ByteReader(body, context: ctx, structure: what + " link message")
        let version = try r.u8()
        guard version == 1 else { throw r.error(.unsupported, "version \(version) is not supported (1 is)") }
        let flags = try r.u8()
        let type: UInt8 = flags & 0x08 != 0 ? try r.u8() : 0
        if flags & 0x04 != 0 { try r.skip(8) }                // creation order
        if flags & 0x10 != 0 { try r.skip(1) }                // name character set
        let nameLength = Int(try r.uint(1 << Int(flags & 3)) & 0xFFFF_FFFF)
        guard nameLength > 0, nameLength <= r.remaining else { throw r.error(.malformed, "link name of \(nameLength) bytes") }
        let name = String(decoding: try r.bytes(nameLength), as: UTF8.self)
        let target: UInt64? = type == 0 ? try r.address() : nil
        return LinkMessage(name: name, target: target, linkType: type)
    }

    /// Link info / attribute info messages: a defined fractal heap address means dense
    /// storage (links or attributes in a fractal heap and v2 B-tree), which this reader refuses.
    static func denseHeapAddress(_ body: [UInt8], _ ctx: FormatContext, _ what: String, creationOrderSize: Int) throws(NativeHDF5Error) -> UInt64? {
        var r = ByteReader(body, context: ctx, structure: what)
        let version = try r.u8()
        guard version == 0 else { throw r.error(.unsupported, "version \(version) is not supported (0 is)") }
        let flags = try r.u8()
        if flags & 1 != 0 { try r.skip(creationOrderSize) }
        return try r.address()
    }
}
