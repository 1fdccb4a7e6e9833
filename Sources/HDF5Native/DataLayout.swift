/// The data layout message (versions 3, 4 and 5): where a dataset's elements are stored.
public struct DataLayout: Sendable {
    public enum ChunkIndexKind: Sendable, Equatable {
        /// Version 3 layouts: a version 1 B-tree.
        case btreeV1
        /// One chunk for the whole dataset, with its filtered size and filter mask when filtered.
        case singleChunk(filteredSize: UInt64?, filterMask: UInt32)
        /// Chunks stored contiguously in chunk order (no filters).
        case implicit
        case fixedArray
        case extensibleArray
        case btreeV2
    }

    public enum Storage: Sendable {
        case compact(bytes: [UInt8])
        case contiguous(address: UInt64?, size: UInt64)
        /// `chunk` holds the chunk's dimensions in elements (without the element-size entry).
        case chunked(chunk: [UInt64], index: ChunkIndexKind, address: UInt64?)
    }

    public let version: Int
    public let storage: Storage

    public static func parse(_ body: [UInt8], _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> DataLayout {
        var r = ByteReader(body, context: ctx, structure: what + " layout message")
        let version = Int(try r.u8())
        guard (3...5).contains(version) else { throw r.error(.unsupported, "version \(version) is not supported (3 to 5 are)") }
        let cls = try r.u8()
        switch cls {
        case 0:
            let n = Int(try r.u16())
            return DataLayout(version: version, storage: .compact(bytes: Array(try r.bytes(n))))
        case 1:
            let addr = try r.address()
            return DataLayout(version: version, storage: .contiguous(address: addr, size: try r.length()))
        case 2:
            return DataLayout(version: version, storage: version == 3 ? try chunkedV3(&r) : try chunkedV4(&r))
        default:
            throw r.error(.unsupported, "layout class \(cls) is not supported (compact, contiguous and chunked are)")
        }
    }

    private static func chunkedV3(_ r: inout ByteReader) throws(NativeHDF5Error) -> Storage {
        let dimensionality = Int(try r.u8())
        guard (2...33).contains(dimensionality) else { throw r.error(.malformed, "chunk dimensionality \(dimensionality)") }
        let addr = try r.address()
        var dims: [UInt64] = []
        for _ in 0..<dimensionality { dims.append(UInt64(try r.u32())) }
        dims.removeLast()                                     // the element size
        return .chunked(chunk: dims, index: .btreeV1, address: addr)
    }

    private static func chunkedV4(_ r: inout ByteReader) throws(NativeHDF5Error) -> Storage {
        let flags = try r.u8()
        guard flags & 0xFC == 0 else { throw r.error(.unsupported, "unknown chunked layout flags \(flags)") }
        let dimensionality = Int(try r.u8())
        guard (2...33).contains(dimensionality) else { throw r.error(.malformed, "chunk dimensionality \(dimensionality)") }
        let width = Int(try r.u8())
        guard (1...8).contains(width) else { throw r.error(.malformed, "chunk dimensions of \(width) bytes") }
        var dims: [UInt64] = []
        for _ in 0..<dimensionality { dims.append(try r.uint(width)) }
        dims.removeLast()                                     // the element size
        let indexType = try r.u8()
        let index: ChunkIndexKind
        switch indexType {
        case 1:
            if flags & 0x02 != 0 {
                let size = try r.length()
                index = .singleChunk(filteredSize: size, filterMask: try r.u32())
            } else { index = .singleChunk(filteredSize: nil, filterMask: 0) }
        case 2: index = .implicit
        case 3: try r.skip(1); index = .fixedArray           // page bits (also in the array's header)
        case 4: try r.skip(5); index = .extensibleArray      // creation parameters (also in its header)
        case 5: try r.skip(6); index = .btreeV2
        default: throw r.error(.unsupported, "chunk index type \(indexType) is not supported")
        }
        return .chunked(chunk: dims, index: index, address: try r.address())
    }
}
