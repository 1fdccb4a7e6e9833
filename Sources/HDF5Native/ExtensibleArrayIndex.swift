/// The extensible array chunk index (what HDF5 1.10+ uses for a dataset with one unlimited
/// dimension): a header, an index block holding the first elements and the addresses of the
/// first data blocks and of super blocks, super blocks holding data block addresses, and data
/// blocks (paged when large) holding the elements.
final class ExtensibleArrayIndex: ChunkIndex {
    private let s: ChunkIndexSetup
    private let elementSize: Int
    private let indexBlockElements: Int
    private let dataBlockMinElements: UInt64
    private let superBlockMinPointers: Int
    private let pageElements: UInt64
    private let arrayOffsetSize: Int
    private let superBlockCount: Int
    private let maxIndexSet: UInt64
    private let headerAddress: UInt64
    private let indexBlockAddress: UInt64?
    private var indexBlock: (elements: [UInt8], dataBlocks: [UInt64?], superBlocks: [UInt64?])?
    private var superBlocks: [UInt64: (pageInit: [UInt8], dataBlocks: [UInt64?])] = [:]
    private var dataBlocks: [UInt64: [UInt8]] = [:]

    init(_ s: ChunkIndexSetup, address: UInt64) throws(NativeHDF5Error) {
        self.s = s
        headerAddress = address
        let ctx = s.ctx, what = "extensible array header at \(address) (\(s.what))"
        let size = 12 + 6 * ctx.sizeOfLengths + ctx.sizeOfOffsets + 4
        var r = try ctx.reader(size, at: address, what: what)
        try ctx.checkSignature(r.bytes, "EAHD", what)
        try ctx.checkChecksum(r.bytes, end: size - 4, what)
        try r.skip(4)
        let version = try r.u8()
        guard version == 0 else { throw r.error(.unsupported, "version \(version) is not supported (0 is)") }
        let client = try r.u8()
        guard client == (s.filtered ? 1 : 0) else { throw r.error(.malformed, "client \(client) for \(s.filtered ? "filtered" : "unfiltered") chunks") }
        elementSize = Int(try r.u8())
        try s.checkElementSize(elementSize, r)
        let maxBits = Int(try r.u8())
        indexBlockElements = Int(try r.u8())
        let dblkMin = Int(try r.u8())
        let sblkMin = Int(try r.u8())
        let pageBits = Int(try r.u8())
        func isPow2(_ v: Int) -> Bool { v > 0 && v & (v - 1) == 0 }
        guard (1...64).contains(maxBits), isPow2(dblkMin), isPow2(sblkMin), pageBits <= maxBits, pageBits < 32,
              dblkMin.trailingZeroBitCount < maxBits else {
            throw r.error(.malformed, "creation parameters out of range")
        }
        dataBlockMinElements = UInt64(dblkMin)
        superBlockMinPointers = sblkMin
        pageElements = UInt64(1) << UInt64(pageBits)
        arrayOffsetSize = (maxBits + 7) / 8
        superBlockCount = 1 + maxBits - dblkMin.trailingZeroBitCount
        for _ in 0..<4 { _ = try r.length() }                 // super/data block counts and sizes
        maxIndexSet = try r.length()
        _ = try r.length()                                    // number of elements
        indexBlockAddress = try r.address()
        guard 2 * sblkMin.trailingZeroBitCount <= superBlockCount else { throw r.error(.malformed, "more index block super blocks than super blocks") }
    }

    /// Super block u: its data blocks, their element count, and the first element and data block it covers.
    private func superBlockInfo(_ u: Int) -> (dataBlocks: UInt64, elements: UInt64, startIndex: UInt64, startDataBlock: UInt64) {
        var startIndex: UInt64 = 0, startDblk: UInt64 = 0
        for k in 0..<u {
            let nd = UInt64(1) << UInt64(k / 2), ne = (UInt64(1) << UInt64((k + 1) / 2)) &* dataBlockMinElements
            startIndex = startIndex &+ nd &* ne
            startDblk = startDblk &+ nd
        }
        return (UInt64(1) << UInt64(u / 2), (UInt64(1) << UInt64((u + 1) / 2)) &* dataBlockMinElements, startIndex, startDblk)
    }

    private var indexBlockSuperBlocks: Int { 2 * superBlockMinPointers.trailingZeroBitCount }

    private func loadIndexBlock() throws(NativeHDF5Error) -> (elements: [UInt8], dataBlocks: [UInt64?], superBlocks: [UInt64?]) {
        if let b = indexBlock { return b }
        guard let addr = indexBlockAddress else { return ([], [], []) }
        let ctx = s.ctx, o = ctx.sizeOfOffsets, what = "extensible array index block at \(addr) (\(s.what))"
        let nd = 2 * (superBlockMinPointers - 1), ns = superBlockCount - indexBlockSuperBlocks
        let size = 6 + o + indexBlockElements * elementSize + (nd + ns) * o + 4
        var r = try prefix(size, at: addr, "EAIB", what)
        let elements = Array(try r.bytes(indexBlockElements * elementSize))
        var d: [UInt64?] = [], sb: [UInt64?] = []
        for _ in 0..<nd { d.append(try r.address()) }
        for _ in 0..<ns { sb.append(try r.address()) }
        indexBlock = (elements, d, sb)
        return (elements, d, sb)
    }

    /// Reads a block, checks signature, checksum, version, client and header address; the
    /// reader is left after the header address.
    private func prefix(_ size: Int, at addr: UInt64, _ sig: String, _ what: String) throws(NativeHDF5Error) -> ByteReader {
        let ctx = s.ctx
        var r = try ctx.reader(size, at: addr, what: what)
        try ctx.checkSignature(r.bytes, sig, what)
        try ctx.checkChecksum(r.bytes, end: size - 4, what)
        try r.skip(4)
        let version = try r.u8(), client = try r.u8()
        guard version == 0 else { throw r.error(.unsupported, "version \(version) is not supported (0 is)") }
        guard client == (s.filtered ? 1 : 0) else { throw r.error(.malformed, "client \(client)") }
        guard try r.address() == headerAddress else { throw r.error(.malformed, "belongs to another array header") }
        return r
    }

    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry? {
        guard n < maxIndexSet else { return nil }             // never set: not allocated
        let ib = try loadIndexBlock()
        if n < UInt64(indexBlockElements) {
            return try decode(ib.elements, at: Int(n))
        }
        let idx = n - UInt64(indexBlockElements)
        let u = 63 - ((idx / dataBlockMinElements) + 1).leadingZeroBitCount
        guard u < superBlockCount else { throw s.ctx.error(.malformed, s.what, "chunk \(n) is past the extensible array's range") }
        let info = superBlockInfo(u)
        let inSuper = idx - info.startIndex
        if u < indexBlockSuperBlocks {
            let k = Int(info.startDataBlock + inSuper / info.elements)
            guard k < ib.dataBlocks.count else { throw s.ctx.error(.malformed, s.what, "data block \(k) is out of range") }
            guard let addr = ib.dataBlocks[k] else { return nil }
            let elements = try dataBlock(addr, count: info.elements, paged: false, page: 0)
            return try decode(elements, at: Int(inSuper % info.elements))
        }
        let k = u - indexBlockSuperBlocks
        guard k < ib.superBlocks.count, let sbAddr = ib.superBlocks[k] else { return nil }
        let sb = try superBlock(sbAddr, info)
        let d = Int(inSuper / info.elements)
        guard d < sb.dataBlocks.count, let dbAddr = sb.dataBlocks[d] else { return nil }
        let inBlock = inSuper % info.elements
        if info.elements > pageElements {
            let pages = info.elements / pageElements
            let page = inBlock / pageElements
            let bit = UInt64(d) * pages + page
            guard sb.pageInit[Int(bit / 8)] & (0x80 >> UInt8(bit % 8)) != 0 else { return nil }
            let elements = try dataBlock(dbAddr, count: pageElements, paged: true, page: page)
            return try decode(elements, at: Int(inBlock % pageElements))
        }
        let elements = try dataBlock(dbAddr, count: info.elements, paged: false, page: 0)
        return try decode(elements, at: Int(inBlock))
    }

    private func decode(_ elements: [UInt8], at i: Int) throws(NativeHDF5Error) -> ChunkEntry? {
        var r = ByteReader(elements, context: s.ctx, structure: "extensible array element \(i) (\(s.what))", position: i * elementSize)
        return try s.element(&r, size: elementSize)
    }

    private func superBlock(_ addr: UInt64, _ info: (dataBlocks: UInt64, elements: UInt64, startIndex: UInt64, startDataBlock: UInt64))
        throws(NativeHDF5Error) -> (pageInit: [UInt8], dataBlocks: [UInt64?]) {
        if let sb = superBlocks[addr] { return sb }
        let o = s.ctx.sizeOfOffsets, what = "extensible array super block at \(addr) (\(s.what))"
        guard info.dataBlocks <= s.ctx.file.size / UInt64(o) else { throw s.ctx.error(.malformed, what, "more data blocks than the file holds") }
        let nd = Int(info.dataBlocks)
        let pageInitBytes = info.elements > pageElements ? nd * Int((info.elements / pageElements + 7) / 8) : 0
        let size = 6 + o + arrayOffsetSize + pageInitBytes + nd * o + 4
        var r = try prefix(size, at: addr, "EASB", what)
        try r.skip(arrayOffsetSize)
        let pageInit = Array(try r.bytes(pageInitBytes))
        var d: [UInt64?] = []
        for _ in 0..<nd { d.append(try r.address()) }
        superBlocks[addr] = (pageInit, d)
        return (pageInit, d)
    }

    /// The elements of a data block (or of one page of it).
    private func dataBlock(_ addr: UInt64, count: UInt64, paged: Bool, page: UInt64) throws(NativeHDF5Error) -> [UInt8] {
        let key = addr &+ page
        if let e = dataBlocks[key] { return e }
        let ctx = s.ctx, o = ctx.sizeOfOffsets
        let what = "extensible array data block at \(addr)\(paged ? " page \(page)" : "") (\(s.what))"
        guard count <= ctx.file.size / UInt64(elementSize) else { throw ctx.error(.malformed, what, "more elements than the file holds") }
        let bytes = Int(count) * elementSize
        let prefixSize = 6 + o + arrayOffsetSize
        let elements: [UInt8]
        if paged {
            let pageAddr = addr &+ UInt64(prefixSize + 4) &+ page &* UInt64(bytes + 4)
            let b = try ctx.read(bytes + 4, at: pageAddr, what: what)
            try ctx.checkChecksum(b, end: bytes, what)
            elements = Array(b[0..<bytes])
        } else {
            var r = try prefix(prefixSize + bytes + 4, at: addr, "EADB", what)
            try r.skip(arrayOffsetSize)
            elements = Array(try r.bytes(bytes))
        }
        if dataBlocks.count >= 64 { dataBlocks.removeAll(keepingCapacity: true) }
        dataBlocks[key] = elements
        return elements
    }
}
