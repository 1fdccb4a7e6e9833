import Foundation
import Posix

/// Reads the jsonl form `dump` prints, `{"index": i, "io_group": g, "msg": "<hex>"}` per line, into
/// one flat byte buffer (message bytes back to back) plus offsets and io_groups. `index` and any
/// other key are ignored; `io_group` is optional (default 0); blank lines are skipped.
struct MessageBatch {
    var bytes: [UInt8] = []
    /// Message i is bytes[offsets[i] ..< offsets[i + 1]].
    var offsets: [Int] = [0]
    var ioGroups: [UInt8] = []
    var count: Int { ioGroups.count }
}

struct JSONLineError: Error {
    var line: Int
    var reason: String
}

enum JSONLinesReader {
    /// Reads all of `fd` (a file or stdin) and parses it. Throws JSONLineError for a bad line.
    static func read(fd: Int32) throws -> MessageBatch {
        var batch = MessageBatch()
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4 << 20)
        var lineNumber = 0
        while true {
            let n: Int
            do { n = try chunk.withUnsafeMutableBytes { (b) throws(Posix.Failure) in try Posix.read(fd, b.baseAddress!, b.count) } } catch {
                throw JSONLineError(line: lineNumber + 1, reason: "read failed: \(error)")
            }
            if n == 0 { break }
            pending.append(contentsOf: chunk[0..<n])
            // Parse every complete line in `pending`.
            var lineStart = 0
            try pending.withUnsafeBufferPointer { p in
                var i = 0
                while let nl = indexOfNewline(p, from: i) {
                    lineNumber += 1
                    try parseLine(UnsafeBufferPointer(rebasing: p[lineStart..<nl]), line: lineNumber, into: &batch)
                    i = nl + 1
                    lineStart = i
                }
            }
            if lineStart > 0 { pending.removeSubrange(0..<lineStart) }
        }
        if !pending.isEmpty {
            lineNumber += 1
            try pending.withUnsafeBufferPointer { p in try parseLine(p, line: lineNumber, into: &batch) }
        }
        return batch
    }

    private static func indexOfNewline(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < p.count, let base = p.baseAddress else { return nil }
        guard let hit = memchr(base + from, 0x0A, p.count - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Parses one line, appending its message to `batch`.
    static func parseLine(_ p: UnsafeBufferPointer<UInt8>, line: Int, into batch: inout MessageBatch) throws(JSONLineError) {
        var parser = Parser(p: p, line: line)
        parser.skipSpace()
        if parser.atEnd { return }  // blank line
        guard parser.peek == UInt8(ascii: "{") else { throw parser.fail("not a JSON object") }
        parser.i += 1
        var message: [UInt8]? = nil
        var group: UInt8 = 0
        parser.skipSpace()
        if parser.peek == UInt8(ascii: "}") {
            parser.i += 1
        } else {
            while true {
                parser.skipSpace()
                let key = try parser.string()
                parser.skipSpace()
                guard parser.peek == UInt8(ascii: ":") else { throw parser.fail("expected ':' after \"\(String(decoding: key, as: UTF8.self))\"") }
                parser.i += 1
                parser.skipSpace()
                switch key {
                case Array("msg".utf8):
                    guard parser.peek == UInt8(ascii: "\"") else { throw parser.fail("msg is not a string of hex digits") }
                    message = try parser.hexString()
                case Array("io_group".utf8):
                    group = try parser.ioGroup()
                default:
                    try parser.skipValue(depth: 0)
                }
                parser.skipSpace()
                if parser.peek == UInt8(ascii: ",") { parser.i += 1; continue }
                if parser.peek == UInt8(ascii: "}") { parser.i += 1; break }
                throw parser.fail("expected ',' or '}'")
            }
        }
        parser.skipSpace()
        guard parser.atEnd else { throw parser.fail("unexpected text after the object") }
        guard let message else { throw JSONLineError(line: line, reason: "no \"msg\"") }
        batch.bytes += message
        batch.offsets.append(batch.bytes.count)
        batch.ioGroups.append(group)
    }

    private struct Parser {
        let p: UnsafeBufferPointer<UInt8>
        let line: Int
        var i = 0

        init(p: UnsafeBufferPointer<UInt8>, line: Int) {
            self.p = p
            self.line = line
        }

        var atEnd: Bool { i >= p.count }
        var peek: UInt8? { i < p.count ? p[i] : nil }

        func fail(_ reason: String) -> JSONLineError {
            JSONLineError(line: line, reason: reason + (atEnd ? " (at end of line)" : " (at column \(i + 1))"))
        }

        mutating func skipSpace() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D || p[i] == 0x0A { i += 1 }
        }

        /// A JSON string's bytes (escapes decoded).
        mutating func string() throws(JSONLineError) -> [UInt8] {
            guard peek == UInt8(ascii: "\"") else { throw fail("expected a string") }
            i += 1
            var out: [UInt8] = []
            while i < p.count {
                let c = p[i]
                i += 1
                if c == UInt8(ascii: "\"") { return out }
                if c == UInt8(ascii: "\\") {
                    guard i < p.count else { break }
                    let e = p[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "u"):
                        guard i + 4 <= p.count, let v = UInt32(String(decoding: p[i..<i + 4], as: UTF8.self), radix: 16) else {
                            throw fail("bad \\u escape")
                        }
                        i += 4
                        out += Array(String(Character(Unicode.Scalar(v) ?? "\u{FFFD}")).utf8)
                    default: throw fail("bad escape")
                    }
                } else {
                    out.append(c)
                }
            }
            throw fail("unterminated string")
        }

        /// The msg value: a string of hex digits (either case), even in number, decoded.
        mutating func hexString() throws(JSONLineError) -> [UInt8] {
            let text = try string()
            guard text.count % 2 == 0 else { throw fail("msg has an odd number of hex digits (\(text.count))") }
            var out = [UInt8](repeating: 0, count: text.count / 2)
            for k in 0..<out.count {
                guard let hi = Self.nibble(text[2 * k]), let lo = Self.nibble(text[2 * k + 1]) else {
                    throw JSONLineError(line: line, reason: "msg is not hex (bad digit at offset \(2 * k))")
                }
                out[k] = hi << 4 | lo
            }
            return out
        }

        static func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }

        /// The io_group value: an integer 0...255.
        mutating func ioGroup() throws(JSONLineError) -> UInt8 {
            let start = i
            while i < p.count, (0x30...0x39).contains(p[i]) || p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")
                || p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") { i += 1 }
            let text = String(decoding: p[start..<i], as: UTF8.self)
            guard !text.isEmpty else { throw fail("io_group is not a number") }
            guard let v = Int(text) else { throw JSONLineError(line: line, reason: "io_group \(text) is not an integer") }
            guard let g = UInt8(exactly: v) else { throw JSONLineError(line: line, reason: "io_group \(v) does not fit in uint8 (0...255)") }
            return g
        }

        /// Skips any JSON value.
        mutating func skipValue(depth: Int) throws(JSONLineError) {
            guard depth < 64 else { throw fail("nested too deeply") }
            guard let c = peek else { throw fail("expected a value") }
            switch c {
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                i += 1
                skipSpace()
                if peek == close { i += 1; return }
                while true {
                    skipSpace()
                    if c == UInt8(ascii: "{") {
                        _ = try string()
                        skipSpace()
                        guard peek == UInt8(ascii: ":") else { throw fail("expected ':'") }
                        i += 1
                        skipSpace()
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    if peek == UInt8(ascii: ",") { i += 1; continue }
                    if peek == close { i += 1; return }
                    throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'")
                }
            default:
                let start = i
                while i < p.count, !(p[i] == UInt8(ascii: ",") || p[i] == UInt8(ascii: "}") || p[i] == UInt8(ascii: "]")
                                     || p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0D) { i += 1 }
                let word = String(decoding: p[start..<i], as: UTF8.self)
                guard word == "true" || word == "false" || word == "null" || Double(word) != nil else {
                    i = start
                    throw fail("not a JSON value")
                }
            }
        }
    }
}
