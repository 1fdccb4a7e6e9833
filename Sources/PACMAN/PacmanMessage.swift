/// The PACMAN message, io_version 0.0 (FORMAT.md section 4), little-endian: an 8-byte header
/// (msg_type, msg_time u32, pad, msg_words u16) and msg_words 16-byte words.
/// Pure Swift and Foundation-free: the daemon and the file tool both validate with it.

/// msg_type, the header's first byte.
public enum PacmanMessageType: UInt8, Sendable, CaseIterable, Hashable {
    case data = 0x44      // 'D'
    case request = 0x3F   // '?'
    case reply = 0x21     // '!'

    public var name: String {
        switch self {
        case .data: "data"
        case .request: "request"
        case .reply: "reply"
        }
    }

    /// Data messages hold D/T/S words; requests P/W/R/D(tx); replies also E (error).
    public func allows(_ word: PacmanWordType) -> Bool {
        switch (self, word) {
        case (.data, .data), (.data, .trigger), (.data, .sync): true
        case (.request, .ping), (.request, .write), (.request, .read), (.request, .data): true
        case (.reply, .ping), (.reply, .write), (.reply, .read), (.reply, .data), (.reply, .error): true
        default: false
        }
    }
}

/// A word's first byte. 'D' is a data word in a data message and a tx word in a request or
/// reply; 'P' is a ping in a request and a pong in a reply.
public enum PacmanWordType: UInt8, Sendable, CaseIterable, Hashable {
    case data = 0x44      // 'D'
    case trigger = 0x54   // 'T'
    case sync = 0x53      // 'S'
    case ping = 0x50      // 'P'
    case write = 0x57     // 'W'
    case read = 0x52      // 'R'
    case error = 0x45     // 'E'

    public static let tx = PacmanWordType.data
    public static let pong = PacmanWordType.ping

    public var name: String {
        switch self {
        case .data: "data"
        case .trigger: "trigger"
        case .sync: "sync"
        case .ping: "ping"
        case .write: "write"
        case .read: "read"
        case .error: "error"
        }
    }
}

/// The 8-byte header.
public struct PacmanHeader: Equatable, Sendable {
    public var type: PacmanMessageType
    /// msg_time: Unix seconds at which the board sent the message.
    public var time: UInt32
    /// msg_words: the number of 16-byte words that follow.
    public var words: UInt16

    public init(type: PacmanMessageType, time: UInt32, words: UInt16) {
        self.type = type
        self.time = time
        self.words = words
    }

    /// The header of `bytes` when it has 8 bytes and a known msg_type (the length is not checked).
    public init?(parsing bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= PacmanMessage.headerBytes, let type = PacmanMessageType(rawValue: bytes[0]) else { return nil }
        self.type = type
        time = UInt32(bytes[1]) | UInt32(bytes[2]) << 8 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 24
        words = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
    }

    /// The length a message with this header must have: 8 + 16 x words.
    public var messageBytes: Int { PacmanMessage.headerBytes + PacmanMessage.wordBytes * Int(words) }
}

/// What a well-formed message holds.
public struct PacmanMessageSummary: Equatable, Sendable {
    public var header: PacmanHeader
    /// Words of a data message, by type.
    public var dataWords = 0
    public var triggerWords = 0
    public var syncWords = 0
    /// Words of a request or reply (ping/pong, write, read, tx, error).
    public var otherWords = 0

    public init(header: PacmanHeader, dataWords: Int = 0, triggerWords: Int = 0, syncWords: Int = 0, otherWords: Int = 0) {
        self.header = header
        self.dataWords = dataWords
        self.triggerWords = triggerWords
        self.syncWords = syncWords
        self.otherWords = otherWords
    }
}

public enum PacmanValidation: Equatable, Sendable {
    case wellFormed(PacmanMessageSummary)
    /// `reason` is short and specific, e.g. "length 40 does not match 8 + 16 x 3 words = 56".
    case malformed(reason: String)

    public var summary: PacmanMessageSummary? {
        if case .wellFormed(let s) = self { return s }
        return nil
    }

    public var reason: String? {
        if case .malformed(let r) = self { return r }
        return nil
    }

    public var isWellFormed: Bool { summary != nil }
}

public enum PacmanMessage {
    public static let headerBytes = 8
    public static let wordBytes = 16
    /// The most words a dataserver puts in one message (the format allows up to 65535).
    public static let dataserverMaxWords = 16000

    /// Checks a message, whatever the bytes, without trapping: a known msg_type, exactly
    /// 8 + 16 x msg_words bytes, and every word of a type that message type may hold.
    /// Pad bytes are not checked (a writer stores messages as received anyway).
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> PacmanValidation {
        switch check(bytes) {
        case .success(let s): .wellFormed(s)
        case .failure(let d): .malformed(reason: d.reason)
        }
    }

    /// `validate` without building a reason string: what the daemon's strict intake calls per message.
    public static func check(_ bytes: UnsafeRawBufferPointer) -> Result<PacmanMessageSummary, PacmanDefect> {
        let n = bytes.count
        if n == 0 { return .failure(.empty) }
        if n < headerBytes { return .failure(.tooShort(bytes: n)) }
        guard let header = PacmanHeader(parsing: bytes) else { return .failure(.unknownType(bytes[0])) }
        if n != header.messageBytes { return .failure(.lengthMismatch(bytes: n, words: header.words)) }
        var s = PacmanMessageSummary(header: header)
        var offset = headerBytes
        for i in 0..<Int(header.words) {
            let t = bytes[offset]
            offset += wordBytes
            guard let word = PacmanWordType(rawValue: t) else {
                return .failure(.unknownWordType(index: i, type: t, in: header.type))
            }
            guard header.type.allows(word) else { return .failure(.wordNotAllowed(index: i, word: word, in: header.type)) }
            switch (header.type, word) {
            case (.data, .data): s.dataWords += 1
            case (.data, .trigger): s.triggerWords += 1
            case (.data, .sync): s.syncWords += 1
            default: s.otherWords += 1
            }
        }
        return .success(s)
    }

    public static func validate(_ bytes: [UInt8]) -> PacmanValidation {
        bytes.withUnsafeBytes { validate($0) }
    }

    /// The header alone, when the first 8 bytes hold one (for times in `info`).
    public static func header(_ bytes: UnsafeRawBufferPointer) -> PacmanHeader? {
        PacmanHeader(parsing: bytes)
    }

    /// Two lower-case hex digits.
    static func hex(_ b: UInt8) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}
