/// One global heap collection ("GCOL", version 1), read whole: the objects that hold the bytes
/// of variable-length elements. Objects are walked as HDF5 does, but never without progress or
/// out of bounds; where the walk meets bytes that are not a valid object (a collection a
/// writer has not finished writing), it stops and records where: the objects before are whole,
/// and a lookup of a later one fails.
public final class GlobalHeapCollection {
    public let address: UInt64
    /// The collection's bytes; object pointers point into it. Freed with the collection.
    public let image: UnsafeMutableRawBufferPointer
    private let objects: [UInt64: (offset: Int, size: Int)]
    /// Byte offset where the walk stopped on bytes that are not (yet) a valid object.
    public let tornAt: Int?

    /// Collections larger than this are refused as corrupt (HDF5 makes one per large object;
    /// a raw message is at most a few MB).
    public static let maxSize: UInt64 = 1 << 40

    deinit { image.deallocate() }

    private init(address: UInt64, image: UnsafeMutableRawBufferPointer, objects: [UInt64: (offset: Int, size: Int)], tornAt: Int?) {
        self.address = address
        self.image = image
        self.objects = objects
        self.tornAt = tornAt
    }

    /// The bytes of object `index`, or nil when the collection has no such (whole) object.
    public func object(_ index: UInt64) -> UnsafeRawBufferPointer? {
        guard let o = objects[index] else { return nil }
        return UnsafeRawBufferPointer(rebasing: image[o.offset..<(o.offset + o.size)])
    }

    /// Reads the collection at `address`. Every failure is `.incomplete`: in a live file a
    /// collection may not be in the file yet, and in a closed one the caller names the damage.
    public static func read(_ ctx: FormatContext, at address: UInt64) throws(NativeHDF5Error) -> GlobalHeapCollection {
        let what = "global heap collection at \(address)"
        let l = ctx.sizeOfLengths
        let headerSize = (8 + l + 7) & ~7
        let abs = try ctx.absolute(address, what)
        let header = try ctx.file.read(headerSize, at: abs, what: what)
        guard header[0..<4].elementsEqual("GCOL".utf8), header[4] == 1 else {
            throw ctx.error(.incomplete, what, "no global heap collection there")
        }
        var size: UInt64 = 0
        for k in 0..<l { size |= UInt64(header[8 + k]) << (8 * UInt64(k)) }
        guard size >= UInt64(headerSize), size <= maxSize, ctx.file.contains(abs, Int(size)) else {
            throw ctx.error(.incomplete, what, "claims \(size) bytes, past the end of the file (\(ctx.file.size) bytes)")
        }
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(size), alignment: 8)
        do {
            try ctx.file.read(into: image.baseAddress!, count: Int(size), at: abs, what: what)
        } catch {
            image.deallocate()
            throw error
        }
        let (objects, torn) = walk(UnsafeRawBufferPointer(image), headerSize: headerSize, l: l)
        return GlobalHeapCollection(address: address, image: image, objects: objects, tornAt: torn)
    }

    /// Object i: index u16, reference count u16, reserved u32, size (L), data padded to 8 bytes.
    /// Index 0 is the free space, whose size covers the rest.
    private static func walk(_ b: UnsafeRawBufferPointer, headerSize: Int, l: Int) -> ([UInt64: (offset: Int, size: Int)], Int?) {
        let align = { (x: Int) in (x + 7) & ~7 }
        let objectHeaderSize = align(8 + l)
        var objects: [UInt64: (offset: Int, size: Int)] = [:]
        var p = headerSize
        let end = b.count
        while p < end {
            if p + objectHeaderSize > end { break }           // a tail too small for an object: free space
            let idx = UInt64(b[p]) | UInt64(b[p + 1]) << 8
            var osize: UInt64 = 0
            for k in 0..<l { osize |= UInt64(b[p + 8 + k]) << (8 * UInt64(k)) }
            guard osize <= UInt64(end) else { return (objects, p) }
            let need = idx > 0 ? objectHeaderSize + align(Int(osize)) : Int(osize)
            guard need > 0 else { return (objects, p) }
            if idx > 0 {
                guard p + objectHeaderSize + Int(osize) <= end else { return (objects, p) }
                objects[idx] = (p + objectHeaderSize, Int(osize))
            }
            p += need
        }
        return (objects, nil)
    }
}
