/// The dataspace message (versions 1 and 2): rank, dimensions and maximum dimensions.
public struct Dataspace: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case scalar, simple, null }
    public let kind: Kind
    public let dimensions: [UInt64]
    /// nil entries are unlimited; nil as a whole when the message gives none (max = current).
    public let maxDimensions: [UInt64?]?

    public var rank: Int { dimensions.count }
    /// Number of elements (1 for a scalar, 0 for null), or nil on overflow.
    public var elementCount: UInt64? {
        switch kind {
        case .null: return 0
        case .scalar: return 1
        case .simple:
            var n: UInt64 = 1
            for d in dimensions {
                let (p, o) = n.multipliedReportingOverflow(by: d)
                if o { return nil }
                n = p
            }
            return n
        }
    }

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> Dataspace {
        var r = ByteReader(body, context: ctx, structure: what + " dataspace message")
        let version = try r.u8()
        let rank = Int(try r.u8())
        let flags = try r.u8()
        guard rank <= 32 else { throw r.error(.malformed, "rank \(rank) exceeds 32") }
        var kind: Kind = rank == 0 ? .scalar : .simple
        switch version {
        case 1: try r.skip(5)
        case 2:
            switch try r.u8() {
            case 0: kind = .scalar
            case 1: kind = .simple
            case 2: kind = .null
            case let t: throw r.error(.unsupported, "dataspace type \(t)")
            }
        default: throw r.error(.unsupported, "version \(version) is not supported (1 and 2 are)")
        }
        var dims: [UInt64] = []
        for _ in 0..<rank { dims.append(try r.length()) }
        var maxDims: [UInt64?]? = nil
        if flags & 1 != 0 {
            var m: [UInt64?] = []
            for _ in 0..<rank {
                let v = try r.length()
                m.append(v == UInt64.max || (ctx.sizeOfLengths < 8 && v == (UInt64(1) << (8 * UInt64(ctx.sizeOfLengths))) - 1) ? nil : v)
            }
            maxDims = m
        }
        return Dataspace(kind: kind, dimensions: dims, maxDimensions: maxDims)
    }
}
