/// The fixed array chunk index (HDF5 1.10+ for chunked datasets whose maximum shape is
/// fixed): a header and one data block of elements, paged when large.
final class FixedArrayIndex: ChunkIndex {
    private let s: ChunkIndexSetup
    private let elementSize: Int
    private let count: UInt64
    private let pageElements: UInt64
    private let headerAddress: UInt64
    private let dataBlockAddress: UInt64?
    private var pageInit: [UInt8]?
    private var pages: [UInt64: [UInt8]] = [:]

    init(_ s: ChunkIndexSetup, address: UInt64) throws(NativeHDF5Error) {
        self.s = s
        headerAddress = address
        let ctx = s.ctx, what = "fixed array header at \(address) (\(s.what))"
        let size = 8 + ctx.sizeOfLengths + ctx.sizeOfOffsets + 4
        var r = try ctx.reader(size, at: address, what: what)
        try ctx.checkSignature(r.bytes, "FAHD", what)
        try ctx.checkChecksum(r.bytes, end: size - 4, what)
        try r.skip(4)
        let version = try r.u8()
        guard version == 0 else { throw r.error(.unsupported, "version \(version) is not supported (0 is)") }
        let client = try r.u8()
        guard client == (s.filtered ? 1 : 0) else { throw r.error(.malformed, "client \(client)") }
        elementSize = Int(try r.u8())
        try s.checkElementSize(elementSize, r)
        let pageBits = Int(try r.u8())
        guard pageBits < 32 else { throw r.error(.malformed, "page bits \(pageBits)") }
        pageElements = UInt64(1) << UInt64(pageBits)
        count = try r.length()
        guard count <= ctx.file.size / UInt64(elementSize) else { throw r.error(.malformed, "\(count) elements, more than the file holds") }
        dataBlockAddress = try r.address()
    }

    private var paged: Bool { count > pageElements }
    private var pageCount: UInt64 { (count + pageElements - 1) / pageElements }

    /// Reads the data block's prefix: signature, version, client, header address, and the
    /// page-init bitmask when paged; returns the prefix size including its checksum.
    private func prefix(_ addr: UInt64) throws(NativeHDF5Error) -> Int {
        let ctx = s.ctx, what = "fixed array data block at \(addr) (\(s.what))"
        let maskBytes = paged ? Int((pageCount + 7) / 8) : 0
        let body = paged ? 6 + ctx.sizeOfOffsets + maskBytes : 6 + ctx.sizeOfOffsets + Int(count) * elementSize
        var r = try ctx.reader(body + 4, at: addr, what: what)
        try ctx.checkSignature(r.bytes, "FADB", what)
        try ctx.checkChecksum(r.bytes, end: body, what)
        try r.skip(4)
        let version = try r.u8(), client = try r.u8()
        guard version == 0, client == (s.filtered ? 1 : 0) else { throw r.error(.malformed, "version \(version), client \(client)") }
        guard try r.address() == headerAddress else { throw r.error(.malformed, "belongs to another array header") }
        if paged {
            pageInit = Array(try r.bytes(maskBytes))
        } else {
            pages[0] = Array(try r.bytes(Int(count) * elementSize))
        }
        return 6 + ctx.sizeOfOffsets + maskBytes + 4
    }

    func chunk(_ n: UInt64) throws(NativeHDF5Error) -> ChunkEntry? {
        guard n < count, let addr = dataBlockAddress else { return nil }
        let page = paged ? n / pageElements : 0
        if pages[page] == nil {
            let prefixSize = try prefix(addr)
            if paged {
                guard let mask = pageInit, mask[Int(page / 8)] & (0x80 >> UInt8(page % 8)) != 0 else { return nil }
                let inPage = page == pageCount - 1 && count % pageElements != 0 ? count % pageElements : pageElements
                let bytes = Int(inPage) * elementSize
                let pageAddr = addr &+ UInt64(prefixSize) &+ page &* UInt64(Int(pageElements) * elementSize + 4)
                let what = "fixed array data block page \(page) at \(pageAddr) (\(s.what))"
                let b = try s.ctx.read(bytes + 4, at: pageAddr, what: what)
                try s.ctx.checkChecksum(b, end: bytes, what)
                if pages.count >= 64 { pages.removeAll(keepingCapacity: true) }
                pages[page] = Array(b[0..<bytes])
            }
        }
        guard let elements = pages[page] else { return nil }
        let i = Int(paged ? n % pageElements : n)
        var r = ByteReader(elements, context: s.ctx, structure: "fixed array element \(n) (\(s.what))", position: i * elementSize)
        return try s.element(&r, size: elementSize)
    }
}
