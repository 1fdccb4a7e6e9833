/// The fill value message (versions 1 to 3, and the old message type 4): the bytes unallocated
/// chunks read as, when a value is defined.
public struct FillValue: Sendable {
    public let value: [UInt8]?

    public static func parse(_ message: HeaderMessage, _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> FillValue {
        var r = ByteReader(message.body, context: ctx, structure: what + " fill value message")
        if message.type == HeaderMessage.fillValueOld {
            let size = Int(try r.u32())
            return FillValue(value: size > 0 ? Array(try r.bytes(size)) : nil)
        }
        let version = try r.u8()
        switch version {
        case 1, 2:
            try r.skip(2)                                     // allocation time, fill write time
            let defined = try r.u8()
            if version == 1 || defined != 0, r.remaining >= 4 {
                let size = Int(try r.u32())
                return FillValue(value: size > 0 ? Array(try r.bytes(size)) : nil)
            }
            return FillValue(value: nil)
        case 3:
            let flags = try r.u8()
            guard flags & 0xC0 == 0 else { throw r.error(.unsupported, "unknown fill value flags \(flags)") }
            if flags & 0x20 != 0 {
                let size = Int(try r.u32())
                return FillValue(value: size > 0 ? Array(try r.bytes(size)) : nil)
            }
            return FillValue(value: nil)
        default:
            throw r.error(.unsupported, "version \(version) is not supported (1 to 3 are)")
        }
    }
}
