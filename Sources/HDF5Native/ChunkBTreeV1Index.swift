/// The version 1 B-tree chunk index (layout message version 3: files written with library
/// bounds "earliest" or by HDF5 1.8). Read whole on first use: keys are chunk offsets, not
/// chunk numbers, so a lookup needs the tree.
final class ChunkBTreeV1Index: ChunkIndex {
    private let s: ChunkIndexSetup
    private let root: UInt64?
    private let rank: Int
    private let chunkLength: UInt64
    private var entries: [UInt64: ChunkEntry]?

    init(_ s: ChunkIndexSetup, address: UInt64?, rank: Int, chunkLength: UInt64) {
        self.s = s
        root = address
        self.rank = rank
        self.chunkLength = chunkLength
    }

    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry? {
        if entries == nil { entries = try readAll() }
        return entries?[n]
    }

    private func readAll() throws(NativeHDF5Error) -> [UInt64: ChunkEntry] {
        var out: [UInt64: ChunkEntry] = [:]
        guard let root else { return out }
        var seen = Set<UInt64>()
        var stack: [(UInt64, Int?)] = [(root, nil)]
        let keySize = 8 + 8 * (rank + 1)
        while let (addr, expectedLevel) = stack.popLast() {
            let what = "chunk B-tree node at \(addr) (\(s.what))"
            guard seen.insert(addr).inserted else { throw s.ctx.error(.malformed, what, "the B-tree has a loop") }
            guard seen.count <= 1 << 20 else { throw s.ctx.error(.malformed, what, "more than 2^20 B-tree nodes") }
            let headSize = 8 + 2 * s.ctx.sizeOfOffsets
            var h = try s.ctx.reader(headSize, at: addr, what: what)
            try s.ctx.checkSignature(h.bytes, "TREE", what)
            try h.skip(4)
            let type = try h.u8(), level = Int(try h.u8()), used = Int(try h.u16())
            guard type == 1 else { throw h.error(.malformed, "node type \(type), not a chunk node") }
            if let e = expectedLevel, e != level { throw h.error(.malformed, "level \(level) under a node of level \(e + 1)") }
            let size = headSize + used * (keySize + s.ctx.sizeOfOffsets) + keySize
            var r = try s.ctx.reader(size, at: addr, what: what)
            try r.skip(headSize)
            for _ in 0..<used {
                let chunkSize = try r.u32(), mask = try r.u32()
                let offset = try r.u64()
                try r.skip(8 * rank)                          // the other offsets (rank 1: the element-size one)
                guard let child = try r.address() else { throw r.error(.malformed, "undefined child address") }
                if level > 0 {
                    stack.append((child, level - 1))
                } else {
                    guard offset % chunkLength == 0 else { throw r.error(.malformed, "chunk offset \(offset) is not a multiple of \(chunkLength)") }
                    guard UInt64(chunkSize) <= s.ctx.file.size else { throw r.error(.malformed, "a chunk of \(chunkSize) bytes") }
                    out[offset / chunkLength] = ChunkEntry(address: child, storedSize: Int(chunkSize), filterMask: mask)
                }
            }
        }
        return out
    }
}
