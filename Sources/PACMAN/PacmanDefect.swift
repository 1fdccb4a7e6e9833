/// Why bytes are not a well-formed PACMAN message: the first defect `PacmanMessage.check` finds.
public enum PacmanDefect: Error, Equatable, Sendable {
    case empty
    /// Fewer bytes than the 8-byte header.
    case tooShort(bytes: Int)
    /// msg_type is none of 'D', '?', '!'.
    case unknownType(UInt8)
    /// The length is not 8 + 16 x msg_words (a truncated or padded message).
    case lengthMismatch(bytes: Int, words: UInt16)
    case unknownWordType(index: Int, type: UInt8, in: PacmanMessageType)
    case wordNotAllowed(index: Int, word: PacmanWordType, in: PacmanMessageType)

    /// Short and specific, e.g. "length 40 does not match 8 + 16 x 3 words = 56".
    public var reason: String {
        switch self {
        case .empty: "empty"
        case .tooShort(let n): "shorter than the 8-byte header (\(n) byte\(n == 1 ? "" : "s"))"
        case .unknownType(let t): "unknown message type 0x\(PacmanMessage.hex(t))"
        case .lengthMismatch(let n, let words):
            "length \(n) does not match 8 + 16 x \(words) words = \(PacmanMessage.headerBytes + PacmanMessage.wordBytes * Int(words))"
        case .unknownWordType(let i, let t, let m): "word \(i) has unknown type 0x\(PacmanMessage.hex(t)) for a \(m.name) message"
        case .wordNotAllowed(let i, let w, let m):
            "word \(i) has type 0x\(PacmanMessage.hex(w.rawValue)) (\(w.name)) not allowed in a \(m.name) message"
        }
    }
}
