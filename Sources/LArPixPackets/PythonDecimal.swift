/// Python's `int(bytes)` as numpy applies it when larpix-control stores the 8 packet bytes of a
/// tx word as a uint32 receipt timestamp: optional ASCII whitespace around an optional sign and
/// decimal digits (single underscores allowed between digits). Anything else raises there. A
/// negative number wraps modulo 2^32, as numpy 1.24 (Debian 12's, under the reference) stores
/// it; numpy 2 raises instead.
enum PythonDecimal {
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }

    /// The value, or nil where Python or numpy would raise.
    static func uint32(_ b: UnsafeRawBufferPointer) -> UInt32? {
        var i = 0, end = b.count
        while i < end && isSpace(b[i]) { i += 1 }
        while end > i && isSpace(b[end - 1]) { end -= 1 }
        var negative = false
        if i < end && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) {
            negative = b[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end else { return nil }
        var value: UInt64 = 0
        var lastWasDigit = false
        while i < end {
            let c = b[i]
            if (0x30...0x39).contains(c) {
                value = value * 10 + UInt64(c - 0x30)
                lastWasDigit = true
            } else if c == UInt8(ascii: "_") && lastWasDigit && i + 1 < end && (0x30...0x39).contains(b[i + 1]) {
                lastWasDigit = false
            } else {
                return nil
            }
            if value > UInt64(UInt32.max) { return nil }
            i += 1
        }
        return negative ? 0 &- UInt32(value) : UInt32(value)
    }
}
