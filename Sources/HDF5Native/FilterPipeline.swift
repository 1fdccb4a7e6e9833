/// The filter pipeline message (versions 1 and 2): the filters applied to each chunk, in order.
public struct FilterPipeline: Sendable, Equatable {
    public struct Filter: Sendable, Equatable {
        public let id: UInt16
        public let optional: Bool
        public let values: [UInt32]
    }

    public static let deflate: UInt16 = 1
    public static let shuffle: UInt16 = 2
    public static let fletcher32: UInt16 = 3

    public let filters: [Filter]

    public init(filters: [Filter]) { self.filters = filters }

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> FilterPipeline {
        var r = ByteReader(body, context: ctx, structure: what + " filter pipeline message")
        let version = try r.u8()
        guard version == 1 || version == 2 else { throw r.error(.unsupported, "version \(version) is not supported (1 and 2 are)") }
        let count = Int(try r.u8())
        guard count <= 32 else { throw r.error(.malformed, "\(count) filters") }
        if version == 1 { try r.skip(6) }
        var filters: [Filter] = []
        for _ in 0..<count {
            let id = try r.u16()
            let nameLength = version == 1 || id >= 256 ? Int(try r.u16()) : 0
            let flags = try r.u16()
            let nValues = Int(try r.u16())
            try r.skip(version == 1 ? (nameLength + 7) & ~7 : nameLength)
            var values: [UInt32] = []
            for _ in 0..<nValues { values.append(try r.u32()) }
            if version == 1 && nValues % 2 == 1 { try r.skip(4) }
            filters.append(Filter(id: id, optional: flags & 1 != 0, values: values))
        }
        for f in filters where ![deflate, shuffle].contains(f.id) {
            let name = f.id == fletcher32 ? "fletcher32" : "filter \(f.id)"
            throw r.error(.unsupported, "\(name) is not supported (deflate and shuffle are)")
        }
        return FilterPipeline(filters: filters)
    }
}
