/// Why a raw message gives no packets: each is a message on which larpix-control's converter
/// raises (and stops), so no reference output exists for it (docs/PACKETS.md, "Bad input").
public enum SkipReason: String, Sendable, CaseIterable, Comparable {
    /// Fewer than the 8 header bytes (an empty row too): `struct.error` unpacking the header.
    case tooShort = "too_short"
    /// msg_type is not 'D', '?' or '!': `KeyError` in the message-type table.
    case unknownMessageType = "unknown_message_type"
    /// A word whose type byte that message type does not have: `KeyError` in the word table.
    case unknownWordType = "unknown_word_type"
    /// The length is not 8 + 16 k: `struct.error` on the last, partial word.
    case truncatedWord = "truncated_word"
    /// A tx word ('D' in a request or reply): larpix-control stores its 8 packet bytes as the
    /// receipt timestamp, which numpy can make a uint32 of only when they spell a decimal number.
    case txWord = "tx_word"

    public var explanation: String {
        switch self {
        case .tooShort: "shorter than the 8-byte header"
        case .unknownMessageType: "unknown message type"
        case .unknownWordType: "a word type this message type does not have"
        case .truncatedWord: "length is not 8 + 16 x words (a partial last word)"
        case .txWord: "a tx word whose packet bytes are not a decimal number (larpix-control fails to store it)"
        }
    }

    public static func < (a: SkipReason, b: SkipReason) -> Bool { a.rawValue < b.rawValue }
}

/// The outcome of checking one message: how many rows it gives, or why it is skipped.
public enum MessageCheck: Equatable, Sendable {
    /// `rows` rows (the timestamp row included); `wordCountMismatch`: msg_words disagrees with
    /// the length, which larpix-control ignores (it converts the words that are there).
    case convert(rows: Int, wordCountMismatch: Bool)
    /// `word`: the index of the offending word, when one is.
    case skip(SkipReason, word: Int?)
}
