/// The PACMAN message, io_version 0.0 (FORMAT.md section 4), little-endian:
/// an 8-byte header (msg_type, msg_time u32, pad, msg_words u16) and msg_words 16-byte words.
public enum PacmanMessage {
    public static let headerBytes = 8
    public static let wordBytes = 16

    public enum MessageType: UInt8, Sendable, CaseIterable {
        case data = 0x44      // 'D'
        case request = 0x3F   // '?'
        case reply = 0x21     // '!'
    }

    /// Word types: data messages hold D/T/S; requests and replies P/W/R/D/E.
    public enum WordType: UInt8, Sendable {
        case data = 0x44      // 'D' (data word, or tx in a request/reply)
        case trigger = 0x54   // 'T'
        case sync = 0x53      // 'S'
        case ping = 0x50      // 'P'
        case write = 0x57     // 'W'
        case read = 0x52      // 'R'
        case error = 0x45     // 'E'
    }

    public struct Header: Equatable, Sendable {
        public var type: MessageType
        public var time: UInt32
        public var words: UInt16
    }

    /// What a well-formed message holds.
    public struct Summary: Equatable, Sendable {
        public var header: Header
        public var dataWords = 0
        public var triggerWords = 0
        public var syncWords = 0
        /// Request/reply words (ping, write, read, tx, error).
        public var otherWords = 0
    }

    public enum Validation: Equatable, Sendable {
        case wellFormed(Summary)
        case malformed(reason: String)
    }

    /// Checks a message without ever trapping, whatever the bytes.
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> Validation {
        let n = bytes.count
        if n == 0 { return .malformed(reason: "empty") }
        if n < headerBytes { return .malformed(reason: "shorter than the 8-byte header (\(n) bytes)") }
        guard let type = MessageType(rawValue: bytes[0]) else {
            return .malformed(reason: "unknown message type 0x\(hex(bytes[0]))")
        }
        let time = UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 24
        let words = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
        let expected = headerBytes + wordBytes * Int(words)
        if n != expected {
            return .malformed(reason: "length \(n) does not match 8 + 16 x \(words) words = \(expected)")
        }
        var s = Summary(header: Header(type: type, time: time, words: words))
        for i in 0..<Int(words) {
            let t = bytes[headerBytes + wordBytes * i]
            switch (type, WordType(rawValue: t)) {
            case (.data, .data?): s.dataWords += 1
            case (.data, .trigger?): s.triggerWords += 1
            case (.data, .sync?): s.syncWords += 1
            case (.request, .ping?), (.request, .write?), (.request, .read?), (.request, .data?),
                 (.reply, .ping?), (.reply, .write?), (.reply, .read?), (.reply, .data?), (.reply, .error?):
                s.otherWords += 1
            default:
                return .malformed(reason: "word \(i) has type 0x\(hex(t)) not allowed in a \(type) message")
            }
        }
        return .wellFormed(s)
    }

    public static func validate(_ bytes: [UInt8]) -> Validation {
        bytes.withUnsafeBytes { validate($0) }
    }

    /// The header alone, when the first 8 bytes hold one (for times in `info`).
    public static func header(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= headerBytes, let type = MessageType(rawValue: bytes[0]) else { return nil }
        return Header(type: type, time: UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 24,
                      words: UInt16(bytes[6]) | UInt16(bytes[7]) << 8)
    }

    static func hex(_ b: UInt8) -> String {
        let d = Array("0123456789abcdef")
        return String([d[Int(b >> 4)], d[Int(b & 15)]])
    }
}
