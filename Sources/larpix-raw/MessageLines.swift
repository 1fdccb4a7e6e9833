import Foundation

/// Formats messages as `dump` and `follow` print them.
struct MessageLines {
    let out: OutputBuffer
    let jsonl: Bool

    /// One line: jsonl `{"index": i, "io_group": g, "msg": "<hex>"}` (no msg when `bytes` is nil),
    /// or hex `i g hex`.
    func line(_ index: Int, _ group: UInt8, _ bytes: UnsafeRawBufferPointer?) {
        if jsonl {
            out.append("{\"index\": ")
            out.append(int: index)
            out.append(", \"io_group\": ")
            out.append(int: Int(group))
            if let bytes {
                out.append(", \"msg\": \"")
                out.append(hex: bytes)
                out.append("\"}\n")
            } else {
                out.append("}\n")
            }
        } else {
            out.append(int: index)
            out.append(byte: 0x20)
            out.append(int: Int(group))
            if let bytes {
                out.append(byte: 0x20)
                out.append(hex: bytes)
            }
            out.append(byte: 0x0A)
        }
        out.flushIfFull()
    }
}
