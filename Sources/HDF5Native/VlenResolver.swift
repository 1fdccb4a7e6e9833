/// Turns stored variable-length descriptors (length u32, collection address, object index u32)
/// into pointers to their bytes in global heap collections read from the file.
public final class VlenResolver {
    public let ctx: FormatContext

    public init(_ ctx: FormatContext) { self.ctx = ctx }

    public var descriptorSize: Int { 4 + ctx.sizeOfOffsets + 4 }

    /// Calls `set(i, bytes)` for each of the `count` descriptors in `descriptors` (bytes are
    /// nil for an empty element). The pointers stay valid while the returned collections live.
    /// `firstRow` and `name` only name a row in errors.
    public func resolve(_ descriptors: UnsafeRawBufferPointer, count: Int, baseSize: Int = 1, firstRow: Int = 0, name: String,
                        _ set: (Int, UnsafeRawBufferPointer?) -> Void) throws(NativeHDF5Error) -> [GlobalHeapCollection] {
        let o = ctx.sizeOfOffsets, ds = descriptorSize
        guard descriptors.count >= count * ds else {
            throw ctx.error(.malformed, name, "\(descriptors.count) descriptor bytes for \(count) rows")
        }
        var collections: [UInt64: GlobalHeapCollection] = [:]
        var last: GlobalHeapCollection? = nil
        for i in 0..<count {
            let d = i * ds
            let length = UInt64(UInt32(littleEndian: descriptors.loadUnaligned(fromByteOffset: d, as: UInt32.self)))
            var addr: UInt64 = 0
            for k in 0..<o { addr |= UInt64(descriptors[d + 4 + k]) << (8 * UInt64(k)) }
            let index = UInt64(UInt32(littleEndian: descriptors.loadUnaligned(fromByteOffset: d + 4 + o, as: UInt32.self)))
            if length == 0 || addr == 0 || addr == ctx.undefinedAddress {
                guard length == 0 else {
                    throw ctx.error(.incomplete, name, "row \(firstRow + i) has \(length) elements but no heap address")
                }
                set(i, nil)
                continue
            }
            if last?.address != addr {
                if let c = collections[addr] { last = c } else {
                    let c = try GlobalHeapCollection.read(ctx, at: addr)
                    collections[addr] = c
                    last = c
                }
            }
            guard let c = last, let bytes = c.object(index), UInt64(bytes.count) == length &* UInt64(baseSize) else {
                let torn = last?.tornAt.map { ", which is torn at byte \($0)" } ?? ""
                throw ctx.error(.incomplete, name, "row \(firstRow + i): object \(index) of the global heap collection at \(addr)\(torn) is missing or of another size")
            }
            set(i, bytes)
        }
        return Array(collections.values)
    }
}
