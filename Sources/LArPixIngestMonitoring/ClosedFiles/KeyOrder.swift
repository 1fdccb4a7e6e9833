/// The order in which `JSONSerialization`'s `.sortedKeys` writes ASCII keys (system-locale
/// collation with numeric search), without ICU: punctuation before digits before letters, runs of
/// digits by their value ("2" before "10"), letters case-insensitively; at an otherwise equal key
/// the first remaining difference decides: lowercase first ("c" before "C"), fewer leading zeros
/// first ("2" before "02").
enum KeyOrder {
    static func ascending(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        if let less = primary(x, y) { return less }
        if let less = tieBreak(x, y) { return less }
        return x.lexicographicallyPrecedes(y)
    }

    /// Keys equal at the primary level: the first place where they still differ decides, a letter
    /// in the other case (lowercase first) or a run of digits with other leading zeros (fewer first).
    private static func tieBreak(_ x: [UInt8], _ y: [UInt8]) -> Bool? {
        var i = 0, j = 0
        while i < x.count && j < y.count {
            if isDigit(x[i]) && isDigit(y[j]) {
                let (_, ie) = digitRun(x, i), (_, je) = digitRun(y, j)
                if ie - i != je - j { return ie - i < je - j }
                (i, j) = (ie, je)
                continue
            }
            if x[i] != y[j] { return x[i] > y[j] }  // the same letter in the other case: lowercase is the larger byte
            (i, j) = (i + 1, j + 1)
        }
        return nil
    }

    /// true/false when the keys differ at the primary level, nil when they are equal there.
    private static func primary(_ x: [UInt8], _ y: [UInt8]) -> Bool? {
        var i = 0, j = 0
        while i < x.count && j < y.count {
            let (p, q) = (x[i], y[j])
            if isDigit(p) && isDigit(q) {
                let (u, ie) = digitRun(x, i), (v, je) = digitRun(y, j)
                if u.count != v.count { return u.count < v.count }
                if u != v { return u.lexicographicallyPrecedes(v) }
                (i, j) = (ie, je)
                continue
            }
            let (wp, wq) = (weight(p), weight(q))
            if wp != wq { return wp < wq }
            (i, j) = (i + 1, j + 1)
        }
        if i < x.count || j < y.count { return i >= x.count }
        return nil
    }

    /// A digit run without its leading zeros, and where it ends.
    private static func digitRun(_ s: [UInt8], _ start: Int) -> (ArraySlice<UInt8>, Int) {
        var end = start
        while end < s.count && isDigit(s[end]) { end += 1 }
        var first = start
        while first < end - 1 && s[first] == UInt8(ascii: "0") { first += 1 }
        return (s[first..<end], end)
    }

    /// Punctuation (in collation order for the ones keys use, then by byte), digits, letters.
    private static func weight(_ c: UInt8) -> Int {
        if isLetter(c) { return 2000 + Int(c | 0x20) }
        if isDigit(c) { return 1000 + Int(c) }
        switch c {
        case UInt8(ascii: "_"): return 1
        case UInt8(ascii: "-"): return 2
        case UInt8(ascii: "."): return 3
        default: return 100 + Int(c)
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a }
}
