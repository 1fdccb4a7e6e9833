/// Python's `int(bytes)` as numpy applies it when larpix-control stores the 8 packet bytes of a
/// tx word as a uint32 receipt timestamp: optional ASCII whitespace around an optional '+' and
/// decimal digits (single underscores allowed between digits). Anything else raises there.
enum PythonDecimal {
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }

    /// The value, or nil where Python or numpy would raise (a '-' sign included: numpy refuses
    /// a negative uint32).
    static func uint32(_ b: UnsafeRawBufferPointer) -> UInt32? {
        var i = 0, end = b.count
        while i < end && isSpace(b[i]) { i += 1 }
        while end > i && isSpace(b[end - 1]) { end -= 1 }
        if i < end && b[i] == UInt8(ascii: "+") { i += 1 }
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
        return UInt32(value)
    }
}
