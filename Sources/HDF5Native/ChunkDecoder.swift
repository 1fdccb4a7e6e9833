internal import CZlib

/// Undoes a chunk's filters (deflate through zlib, shuffle) into exactly `rawSize` bytes.
public enum ChunkDecoder {
    /// Inflates a zlib stream into `out`; returns the bytes written, or nil when the stream is
    /// not valid zlib or does not fit in `out`.
    public static func inflate(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard let o = out.baseAddress, let s = src.baseAddress else { return src.isEmpty ? nil : nil }
        var destLen = uLongf(out.count)
        let rc = uncompress(o.assumingMemoryBound(to: Bytef.self), &destLen, s.assumingMemoryBound(to: Bytef.self), uLong(src.count))
        return rc == Z_OK ? Int(destLen) : nil
    }

    /// Applies the pipeline in reverse to `stored` (skipping filters whose bit is set in
    /// `mask`) and returns `rawSize` bytes.
    public static func decode(_ stored: [UInt8], pipeline: FilterPipeline, mask: UInt32, rawSize: Int, elementSize: Int,
                              _ ctx: FormatContext, _ what: String) throws(NativeHDF5Error) -> [UInt8] {
        var data = stored
        for (i, f) in pipeline.filters.enumerated().reversed() where mask & (1 << UInt32(i)) == 0 {
            switch f.id {
            case FilterPipeline.deflate:
                var out = [UInt8](repeating: 0, count: rawSize)
                let n = data.withUnsafeBytes { src in out.withUnsafeMutableBytes { inflate(src, into: $0) } }
                guard let n, n == rawSize else {
                    throw ctx.error(.incomplete, what, "does not inflate to \(rawSize) bytes (a torn or damaged chunk)")
                }
                data = out
            case FilterPipeline.shuffle:
                let size = f.values.first.map(Int.init) ?? elementSize
                data = unshuffle(data, elementSize: size)
            default:
                throw ctx.error(.unsupported, what, "filter \(f.id) is not supported")
            }
        }
        guard data.count == rawSize else {
            throw ctx.error(.malformed, what, "holds \(data.count) bytes after its filters, not \(rawSize)")
        }
        return data
    }

    /// HDF5's shuffle stores byte k of every element together; put elements back together.
    /// Bytes past the last whole element are left where they are, as HDF5 does.
    static func unshuffle(_ data: [UInt8], elementSize: Int) -> [UInt8] {
        guard elementSize > 1, data.count >= elementSize else { return data }
        let n = data.count / elementSize
        var out = data
        for k in 0..<elementSize {
            for e in 0..<n { out[e * elementSize + k] = data[k * n + e] }
        }
        return out
    }
}
