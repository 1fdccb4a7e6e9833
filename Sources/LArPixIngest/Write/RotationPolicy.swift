/// When a file is full: the `rotate.*` limits, decided from the file's counts alone (0 = that
/// limit is off). Pure, so that unit tests drive it without files.
struct RotationPolicy: Sendable, Equatable {
    var maxMessages = 0
    var maxBytes = 0
    var maxSeconds = 0.0

    /// How many more messages the file may take (nil: no message limit). 0 means rotate first.
    func room(messagesInFile: Int) -> Int? {
        maxMessages > 0 ? max(0, maxMessages - messagesInFile) : nil
    }

    /// After an append: whether the file has reached a size limit.
    func afterAppend(messagesInFile: Int, fileBytes: Int) -> CloseReason? {
        if maxMessages > 0 && messagesInFile >= maxMessages { return .maxMessages(maxMessages) }
        if maxBytes > 0 && fileBytes >= maxBytes { return .maxBytes(maxBytes) }
        return nil
    }

    /// Whether a file open for `seconds` has reached the age limit.
    func byAge(openFor seconds: Double) -> CloseReason? {
        maxSeconds > 0 && seconds >= maxSeconds ? .maxSeconds(maxSeconds) : nil
    }
}
