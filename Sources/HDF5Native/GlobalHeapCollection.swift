#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One global heap collection ("GCOL", version 1), read whole: the objects that hold the bytes
/// of variable-length elements. Objects are walked as HDF5 does, but never without progress or
/// out of bounds; where the walk meets bytes that are not a valid object (a collection a
/// writer has not finished writing), it stops and records where: the objects before are whole,
/// and a lookup of a later one fails.
public final class GlobalHeapCollection {
    public let address: UInt64
    /// The collection's bytes; object pointers point into it. Freed with the collection.
    public let image: UnsafeMutableRawBufferPointer
    /// Object i's offset and size at [2i] and [2i + 1] (offset -1: no such object), for i below
    /// `indexes`. HDF5 numbers a collection's objects densely from 1, so a table costs no
    /// hashing (a dictionary of tuples, and Array's unspecialized generics, were most of the
    /// reader's CPU in a debug build).
    private let spans: UnsafeMutablePointer<Int>
    private let indexes: Int
    /// Byte offset where the walk stopped on bytes that are not (yet) a valid object.
    public let tornAt: Int?

    /// Collections larger than this are refused as corrupt (HDF5 makes one per large object;
    /// a raw message is at most a few MB).
    public static let maxSize: UInt64 = 1 << 40

    deinit {
        image.deallocate()
        spans.deallocate()
    }

    private init(address: UInt64, image: UnsafeMutableRawBufferPointer, spans: (UnsafeMutablePointer<Int>, indexes: Int), tornAt: Int?) {
        self.address = address
        self.image = image
        (self.spans, self.indexes) = spans
        self.tornAt = tornAt
    }

    /// The bytes of object `index`, or nil when the collection has no such (whole) object.
    public func object(_ index: UInt64) -> UnsafeRawBufferPointer? {
        guard index < UInt64(indexes) else { return nil }
        let offset = spans[2 * Int(index)], size = spans[2 * Int(index) + 1]
        guard offset >= 0 else { return nil }
        return UnsafeRawBufferPointer(start: image.baseAddress! + offset, count: size)
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
        let (spans, torn) = walk(UnsafeRawBufferPointer(image), headerSize: headerSize, l: l)
        return GlobalHeapCollection(address: address, image: image, spans: spans, tornAt: torn)
    }

    /// Object i: index u16, reference count u16, reserved u32, size (L), data padded to 8 bytes.
    /// Index 0 is the free space, whose size covers the rest.
    private static func walk(_ b: UnsafeRawBufferPointer, headerSize: Int, l: Int) -> ((UnsafeMutablePointer<Int>, indexes: Int), Int?) {
        let align = { (x: Int) in (x + 7) & ~7 }
        let objectHeaderSize = align(8 + l)
        let end = b.count, base = b.baseAddress!
        // Room for 256 objects, or as many as the collection can hold; doubled as indexes grow.
        var indexes = min(256, max(0, end - headerSize) / objectHeaderSize + 2)
        var spans = UnsafeMutablePointer<Int>.allocate(capacity: 2 * indexes)
        spans.initialize(repeating: -1, count: 2 * indexes)
        var p = headerSize
        while p < end {
            if p + objectHeaderSize > end { break }           // a tail too small for an object: free space
            var index: UInt16 = 0
            memcpy(&index, base + p, 2)
            let idx = Int(UInt16(littleEndian: index))
            let osize = littleEndian(base + p + 8, count: l)
            guard osize <= UInt64(end) else { return ((spans, indexes), p) }
            let need = idx > 0 ? objectHeaderSize + align(Int(osize)) : Int(osize)
            guard need > 0 else { return ((spans, indexes), p) }
            if idx > 0 {
                guard p + objectHeaderSize + Int(osize) <= end else { return ((spans, indexes), p) }
                if idx >= indexes {
                    let more = min(1 << 16, max(idx + 1, 2 * indexes))
                    let bigger = UnsafeMutablePointer<Int>.allocate(capacity: 2 * more)
                    bigger.update(from: spans, count: 2 * indexes)   // Int: no initialization to track
                    (bigger + 2 * indexes).initialize(repeating: -1, count: 2 * (more - indexes))
                    spans.deallocate()
                    (spans, indexes) = (bigger, more)
                }
                spans[2 * idx] = p + objectHeaderSize     // a repeated index: the later object, as before
                spans[2 * idx + 1] = Int(osize)
            }
            p += need
        }
        return ((spans, indexes), nil)
    }

    /// An unsigned little-endian integer of `count` (at most 8) bytes.
    private static func littleEndian(_ at: UnsafeRawPointer, count: Int) -> UInt64 {
        var v: UInt64 = 0
        if count == 8 {
            memcpy(&v, at, 8)
            return UInt64(littleEndian: v)
        }
        let bytes = at.assumingMemoryBound(to: UInt8.self)
        for k in 0..<count { v |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        return v
    }
}
