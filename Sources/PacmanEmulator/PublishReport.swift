/// What a publisher sent: a running count while it runs (for progress), the totals at the end.
public struct PublishReport: Codable, Sendable, Equatable {
    /// Messages sent (queued by libzmq), not counting dropped ones.
    public var messages: Int
    /// Payload bytes of those messages (without the io_group frame of tagged mode).
    public var bytes: Int
    /// Seconds from the first send to the last (the start delay not included).
    public var seconds: Double
    /// PACMAN words in those messages (msg_words summed).
    public var wordsTotal: Int
    /// Messages not sent because the queue was full, with `dropOnFull`; otherwise 0.
    public var dropped: Int
    /// Board mode: the words sent and dropped by kind (zero otherwise).
    public var sentWords = BoardWordCounts()
    public var droppedWords = BoardWordCounts()

    public init(messages: Int = 0, bytes: Int = 0, seconds: Double = 0, wordsTotal: Int = 0, dropped: Int = 0) {
        self.messages = messages
        self.bytes = bytes
        self.seconds = seconds
        self.wordsTotal = wordsTotal
        self.dropped = dropped
    }
}
