/// An attribute message (versions 1 to 3): name, type, shape and the stored value bytes.
public struct Attribute: Sendable {
    public let name: String
    public let datatype: Datatype
    public let dataspace: Dataspace
    public let data: [UInt8]

    /// A decoded scalar value, as the raw layout's attributes need them.
    public enum Value: Sendable, Equatable {
        case double(Double)
        case integer(Int64)
        case string(String)
        /// Something else (a type or shape the reader does not decode), described.
        case other(String)
    }

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> Attribute {
        var r = ByteReader(body, context: ctx, structure: what + " attribute message")
        let version = try r.u8()
        guard (1...3).contains(version) else { throw r.error(.unsupported, "version \(version) is not supported (1 to 3 are)") }
        let flags = try r.u8()
        guard version == 1 || flags & 0x03 == 0 else { throw r.error(.unsupported, "shared datatype or dataspace (flags \(flags))") }
        let nameSize = Int(try r.u16()), typeSize = Int(try r.u16()), spaceSize = Int(try r.u16())
        if version == 3 { try r.skip(1) }                     // name character set
        let pad = { (n: Int) in version == 1 ? (n + 7) & ~7 : n }
        let nameBytes = try r.bytes(pad(nameSize))
        let name = String(decoding: nameBytes.prefix(nameSize).prefix { $0 != 0 }, as: UTF8.self)
        let type = try Datatype.parse(Array(try r.bytes(pad(typeSize))), ctx, what + " attribute \(name)")
        let space = try Dataspace.parse(Array(try r.bytes(pad(spaceSize))), ctx, what + " attribute \(name)")
        guard let n = space.elementCount, n <= UInt64(r.remaining) else {
            throw r.error(.malformed, "attribute \(name) claims more values than its message holds")
        }
        let bytes = Int(n) * type.storedSize(ctx)
        return Attribute(name: name, datatype: type, dataspace: space, data: Array(try r.bytes(bytes)))
    }

    /// The value of a one-element attribute; vlen strings are read from the global heap.
    public func value(_ ctx: FormatContext) throws(NativeHDF5Error) -> Value {
        guard dataspace.elementCount == 1 else { return .other("\(dataspace.elementCount ?? 0) values") }
        var r = ByteReader(data, context: ctx, structure: "attribute \(name)")
        switch datatype {
        case .floatingPoint(8, false):
            return .double(Double(bitPattern: try r.u64()))
        case .floatingPoint(4, false):
            return .double(Double(Float(bitPattern: try r.u32())))
        case .fixedPoint(let size, let signed, false) where [1, 2, 4, 8].contains(size):
            let v = try r.uint(size)
            if signed && size < 8 && v >> (8 * UInt64(size) - 1) != 0 { return .integer(Int64(bitPattern: v | ~((1 << (8 * UInt64(size))) - 1))) }
            return .integer(Int64(bitPattern: v))
        case .string(let size, let padding, _):
            var bytes = Array(data.prefix(size))
            if padding == 2 { while bytes.last == 0x20 { bytes.removeLast() } }
            if let nul = bytes.firstIndex(of: 0) { bytes = Array(bytes[..<nul]) }
            return .string(String(decoding: bytes, as: UTF8.self))
        case .variableLength(_, true, _), .variableLength(.fixedPoint(1, _, _), false, _):
            var text = ""
            var failure: NativeHDF5Error?
            data.withUnsafeBytes { d in
                do throws(NativeHDF5Error) {
                    let pins = try VlenResolver(ctx).resolve(d, count: 1, name: "attribute \(name)") { _, b in
                        text = b.map { String(decoding: $0, as: UTF8.self) } ?? ""
                    }
                    withExtendedLifetime(pins) {}
                } catch { failure = error }
            }
            if let failure { throw failure }
            if let nul = text.firstIndex(of: "\0") { text = String(text[..<nul]) }
            return .string(text)
        default:
            return .other("\(datatype)")
        }
    }
}
