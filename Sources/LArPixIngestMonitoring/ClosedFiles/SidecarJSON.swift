import Foundation

/// A sidecar's text: what `JSONSerialization` writes with `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]`, byte for byte, for the values a catalog record holds (Swift
/// strings, integers, doubles, booleans, arrays and dictionaries of them). JSONSerialization
/// sorts keys through ICU collation: at 650 rotations/s that was four fifths of the closed-file
/// worker's CPU, on the cores the writer needs. Anything else (a Foundation number from a parsed
/// converter summary, say) is `unsupported`, and the caller lets JSONSerialization write it.
enum SidecarJSON {
    struct Unsupported: Error {}

    static func data(_ object: [String: Any]) throws(Unsupported) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(2048)
        try write(object, indent: 0, into: &out)
        return Data(out)
    }

    private static func write(_ value: Any, indent: Int, into out: inout [UInt8]) throws(Unsupported) {
        // Exact types: a Foundation number would also cast to Bool, Int and Double.
        switch ObjectIdentifier(type(of: value)) {
        case ObjectIdentifier(String.self): string(value as! String, into: &out)
        case ObjectIdentifier(Int.self): out += Array(String(value as! Int).utf8)
        case ObjectIdentifier(NSNull.self): out += Array("null".utf8)
        case ObjectIdentifier(Bool.self): out += Array(((value as! Bool) ? "true" : "false").utf8)
        case ObjectIdentifier(Double.self):
            let d = value as! Double
            guard d.isFinite else { throw Unsupported() }
            out += Array(number(d).utf8)
        default:
            // Containers of any element type; their elements are checked in turn.
            if let d = value as? [String: Any] { try object(d, indent: indent, into: &out) }
            else if let a = value as? [Any] { try array(a, indent: indent, into: &out) }
            else { throw Unsupported() }
        }
    }

    private static func object(_ d: [String: Any], indent: Int, into out: inout [UInt8]) throws(Unsupported) {
        out.append(UInt8(ascii: "{"))
        let keys = d.keys.sorted(by: KeyOrder.ascending)
        for (i, k) in keys.enumerated() {
            guard k.utf8.allSatisfy({ $0 < 0x80 }) else { throw Unsupported() }  // KeyOrder knows ASCII
            out += i == 0 ? [0x0a] : [UInt8(ascii: ","), 0x0a]
            pad(indent + 2, &out)
            string(k, into: &out)
            out += Array(" : ".utf8)
            try write(d[k]!, indent: indent + 2, into: &out)
        }
        out += d.isEmpty ? [0x0a, 0x0a] : [0x0a]  // an empty one is written "{", two newlines, "}"
        pad(indent, &out)
        out.append(UInt8(ascii: "}"))
    }

    private static func array(_ a: [Any], indent: Int, into out: inout [UInt8]) throws(Unsupported) {
        out.append(UInt8(ascii: "["))
        for (i, v) in a.enumerated() {
            out += i == 0 ? [0x0a] : [UInt8(ascii: ","), 0x0a]
            pad(indent + 2, &out)
            try write(v, indent: indent + 2, into: &out)
        }
        out += a.isEmpty ? [0x0a, 0x0a] : [0x0a]
        pad(indent, &out)
        out.append(UInt8(ascii: "]"))
    }

    private static func pad(_ n: Int, _ out: inout [UInt8]) {
        out += repeatElement(UInt8(ascii: " "), count: n)
    }

    /// JSONSerialization's form: integral values without a fraction, others as Swift prints them.
    private static func number(_ d: Double) -> String {
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    private static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += Array("\\b".utf8)
            case 0x0c: out += Array("\\f".utf8)
            case 0x0a: out += Array("\\n".utf8)
            case 0x0d: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xf)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
