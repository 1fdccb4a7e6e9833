/// An old-style group (symbol table message: a version 1 B-tree of symbol table nodes, names
/// in a local heap), as files written with library bounds "earliest" have.
enum SymbolTableGroup {
    /// All links of the group: name to object header address.
    static func links(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> [String: UInt64] {
        var r = ByteReader(body, context: ctx, structure: what + " symbol table message")
        guard let btree = try r.address(), let heap = try r.address() else { throw r.error(.malformed, "undefined address") }
        let names = try localHeap(ctx, at: heap)
        var out: [String: UInt64] = [:]
        var seen = Set<UInt64>()
        var stack: [UInt64] = [btree]
        while let addr = stack.popLast() {
            let w = "group B-tree node at \(addr)"
            guard seen.insert(addr).inserted, seen.count <= 1 << 16 else { throw ctx.error(.malformed, w, "the B-tree has a loop") }
            let sig = try ctx.read(4, at: addr, what: w)
            if sig.elementsEqual("SNOD".utf8) {
                try symbolNode(ctx, at: addr, names: names, into: &out)
                continue
            }
            let headSize = 8 + 2 * ctx.sizeOfOffsets
            var h = try ctx.reader(headSize, at: addr, what: w)
            try ctx.checkSignature(h.bytes, "TREE", w)
            try h.skip(4)
            let type = try h.u8()
            _ = try h.u8()
            let used = Int(try h.u16())
            guard type == 0 else { throw h.error(.malformed, "node type \(type), not a group node") }
            let l = ctx.sizeOfLengths, o = ctx.sizeOfOffsets
            var n = try ctx.reader(headSize + used * (l + o) + l, at: addr, what: w)
            try n.skip(headSize)
            for _ in 0..<used {
                try n.skip(l)                                 // key: heap offset of a name
                guard let child = try n.address() else { throw n.error(.malformed, "undefined child") }
                stack.append(child)
            }
        }
        return out
    }

    /// A symbol table node: version 1, reserved, count u16, entries (name offset, header address, cache).
    private static func symbolNode(_ ctx: FormatContext, at addr: UInt64, names: [UInt8], into out: inout [String: UInt64]) throws(NativeHDF5Error) {
        let w = "symbol table node at \(addr)"
        var h = try ctx.reader(8, at: addr, what: w)
        try h.skip(4)
        guard try h.u8() == 1 else { throw h.error(.unsupported, "symbol table node version is not 1") }
        try h.skip(1)
        let count = Int(try h.u16())
        let entry = 2 * ctx.sizeOfOffsets + 24
        var r = try ctx.reader(8 + count * entry, at: addr, what: w)
        try r.skip(8)
        for _ in 0..<count {
            let nameOffset = try r.uint(ctx.sizeOfOffsets)
            guard let header = try r.address() else { throw r.error(.malformed, "undefined object header address") }
            try r.skip(24)                                    // cache type, reserved, scratch pad
            guard nameOffset < UInt64(names.count) else { throw r.error(.malformed, "name offset \(nameOffset) is past the local heap") }
            let tail = names[Int(nameOffset)...]
            out[String(decoding: tail.prefix { $0 != 0 }, as: UTF8.self)] = header
        }
    }

    /// A local heap's data segment ("HEAP", version 0).
    private static func localHeap(_ ctx: FormatContext, at addr: UInt64) throws(NativeHDF5Error) -> [UInt8] {
        let w = "local heap at \(addr)"
        var r = try ctx.reader(8 + 2 * ctx.sizeOfLengths + ctx.sizeOfOffsets, at: addr, what: w)
        try ctx.checkSignature(r.bytes, "HEAP", w)
        try r.skip(4)
        guard try r.u8() == 0 else { throw r.error(.unsupported, "local heap version is not 0") }
        try r.skip(3)
        let size = try r.length(atMost: min(ctx.file.size, 1 << 30), "data segment size")
        _ = try r.length()                                    // free list head
        guard let data = try r.address() else { throw r.error(.malformed, "undefined data segment") }
        return try ctx.read(size, at: data, what: w + " data segment")
    }
}
