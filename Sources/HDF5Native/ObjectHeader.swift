/// An object header (version 1 or 2) with all its continuation blocks, as a list of messages.
public struct ObjectHeader: Sendable {
    public let address: UInt64
    public let version: Int
    public let messages: [HeaderMessage]

    /// Most continuation blocks one header may have; a corrupt chain stops here.
    static let maxBlocks = 4096

    public static func read(_ ctx: FormatContext, at address: UInt64) throws(NativeHDF5Error) -> ObjectHeader {
        let what = "object header at \(address)"
        let head = try ctx.file.readUpTo(16, at: try ctx.absolute(address, what), what: what)
        if head.count >= 4 && head[0..<4].elementsEqual("OHDR".utf8) {
            return try readV2(ctx, at: address)
        }
        guard head.count >= 16 else { throw ctx.error(.incomplete, what, "truncated") }
        guard head[0] == 1 else {
            throw ctx.error(head[0] == 2 ? .malformed : .unsupported, what, "version \(head[0]) is not supported (1 and 2 are)")
        }
        return try readV1(ctx, at: address, prefix: head)
    }

    /// Walks the continuation chain: `first` is the first block's messages' bytes; each block's
    /// continuation messages add blocks. Cycles and chains longer than `maxBlocks` are refused.
    private static func collect(_ ctx: FormatContext, _ what: String, first: [HeaderMessage],
                                readBlock: (UInt64, Int) throws(NativeHDF5Error) -> [HeaderMessage]) throws(NativeHDF5Error) -> [HeaderMessage] {
        var all: [HeaderMessage] = []
        var pending = first
        var seen = Set<UInt64>()
        var blocks = 1
        while !pending.isEmpty {
            var next: [HeaderMessage] = []
            for m in pending {
                if m.type == HeaderMessage.continuation {
                    var r = ByteReader(m.body, context: ctx, structure: what + " continuation message")
                    guard let addr = try r.address() else { throw r.error(.malformed, "undefined address") }
                    let len = try r.length(atMost: ctx.file.size, "length")
                    guard seen.insert(addr).inserted else { throw ctx.error(.malformed, what, "continuation blocks form a loop") }
                    blocks += 1
                    guard blocks <= maxBlocks else { throw ctx.error(.malformed, what, "more than \(maxBlocks) continuation blocks") }
                    next += try readBlock(addr, len)
                } else {
                    all.append(m)
                }
            }
            pending = next
        }
        return all
    }

    private static func readV1(_ ctx: FormatContext, at address: UInt64, prefix: [UInt8]) throws(NativeHDF5Error) -> ObjectHeader {
        let what = "object header at \(address)"
        var r = ByteReader(prefix, context: ctx, structure: what, position: 2)
        _ = try r.u16()                                       // number of messages (counted below)
        _ = try r.u32()                                       // reference count
        let size = Int(try r.u32())
        let (start, overflow) = address.addingReportingOverflow(16)
        guard !overflow else { throw ctx.error(.malformed, what, "address out of range") }
        let first = try v1Messages(ctx, try ctx.read(size, at: start, what: what), what)
        let msgs = try collect(ctx, what, first: first) { (a, n) throws(NativeHDF5Error) in
            try v1Messages(ctx, try ctx.read(n, at: a, what: what + " continuation block at \(a)"), what)
        }
        return ObjectHeader(address: address, version: 1, messages: msgs)
    }

    /// Version 1 messages: type u16, size u16, flags u8, 3 reserved, body (8-byte aligned).
    private static func v1Messages(_ ctx: FormatContext, _ bytes: [UInt8], _ what: String) throws(NativeHDF5Error) -> [HeaderMessage] {
        var r = ByteReader(bytes, context: ctx, structure: what)
        var out: [HeaderMessage] = []
        while r.remaining >= 8 {
            let type = try r.u16()
            let size = Int(try r.u16())
            let flags = try r.u8()
            try r.skip(3)
            guard size <= r.remaining else { throw r.error(.malformed, "message of type \(type) claims \(size) bytes, \(r.remaining) left") }
            out.append(HeaderMessage(type: type, flags: flags, body: Array(try r.bytes(size))))
        }
        return out
    }

    private static func readV2(_ ctx: FormatContext, at address: UInt64) throws(NativeHDF5Error) -> ObjectHeader {
        let what = "object header at \(address)"
        let prefix = try ctx.file.readUpTo(40, at: try ctx.absolute(address, what), what: what)
        var r = ByteReader(prefix, context: ctx, structure: what, position: 4)
        let version = try r.u8()
        guard version == 2 else { throw r.error(.unsupported, "version \(version) is not supported (1 and 2 are)") }
        let flags = try r.u8()
        guard flags & 0xC0 == 0 else { throw r.error(.unsupported, "unknown flags \(flags)") }
        if flags & 0x20 != 0 { try r.skip(16) }               // access, modification, change, birth times
        if flags & 0x10 != 0 { try r.skip(4) }                // attribute phase change values
        let chunk0Size = try r.uint(1 << Int(flags & 3))
        guard chunk0Size <= ctx.file.size else { throw r.error(.malformed, "first chunk of \(chunk0Size) bytes is larger than the file") }
        let chunk0 = Int(chunk0Size)
        let bodyStart = r.position
        let total = bodyStart + chunk0 + 4
        let bytes = try ctx.read(total, at: address, what: what)
        try ctx.checkChecksum(bytes, end: total - 4, what)
        let creationOrder = flags & 0x04 != 0
        let first = try v2Messages(ctx, bytes[bodyStart..<(total - 4)], creationOrder, what)
        let msgs = try collect(ctx, what, first: first) { (a, n) throws(NativeHDF5Error) in
            let w = what + " continuation block at \(a)"
            let b = try ctx.read(n, at: a, what: w)
            try ctx.checkSignature(b, "OCHK", w)
            try ctx.checkChecksum(b, end: n - 4, w)
            return try v2Messages(ctx, b[4..<(n - 4)], creationOrder, w)
        }
        return ObjectHeader(address: address, version: 2, messages: msgs)
    }

    /// Version 2 messages: type u8, size u16, flags u8, [creation order u16], body. A tail too
    /// short for a message header is a gap.
    private static func v2Messages(_ ctx: FormatContext, _ bytes: ArraySlice<UInt8>, _ creationOrder: Bool, _ what: String) throws(NativeHDF5Error) -> [HeaderMessage] {
        var r = ByteReader(Array(bytes), context: ctx, structure: what)
        let headerSize = creationOrder ? 6 : 4
        var out: [HeaderMessage] = []
        while r.remaining >= headerSize {
            let type = UInt16(try r.u8())
            let size = Int(try r.u16())
            let flags = try r.u8()
            if creationOrder { try r.skip(2) }
            guard size <= r.remaining else { throw r.error(.malformed, "message of type \(type) claims \(size) bytes, \(r.remaining) left") }
            out.append(HeaderMessage(type: type, flags: flags, body: Array(try r.bytes(size))))
        }
        return out
    }
}
