import Synchronization

/// Why a received message was not stored; each reason is counted.
public enum DropReason: String, CaseIterable, Sendable {
    case empty
    case oversized
    case multipart
    case badTag = "bad_tag"
    case malformed
    /// `validate: strict` only: shorter than the 8-byte PACMAN header.
    case tooShort = "too_short"
    /// `validate: strict` only: msg_type is not 'D', '?' or '!'.
    case unknownType = "unknown_type"
    /// `validate: strict` only: the length is not 8 + 16 x msg_words (truncated or padded).
    case lengthMismatch = "length_mismatch"
    /// `validate: strict` only: a word type the message type may not hold.
    case badWord = "bad_word"
    /// Received, but the file could not be written and the daemon was told to stop.
    case writeFailed = "write_failed"
    /// Received while paused after a stop-run (`run.after_stop: pause`): not written, by request.
    case paused
}
