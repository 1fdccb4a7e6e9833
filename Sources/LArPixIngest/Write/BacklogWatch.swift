/// Says when the writer falls behind: the buffer above `threshold` of its size for `sustained`
/// seconds in a row. A warning then, and again at most once per `repeatEvery` while it lasts;
/// one line when it is over. Pure: fed the buffer's use once a second by the writer.
struct BacklogWatch: Sendable, Equatable {
    var threshold = 0.8
    var sustained = 5.0
    var repeatEvery = 60.0

    private(set) var highSince: Double?
    private(set) var lastWarning: Double?
    /// Whether the writer is behind now (the buffer has been high for `sustained`).
    private(set) var behind = false

    enum Say: Equatable { case nothing, behind(seconds: Double), caughtUp(afterSeconds: Double) }

    /// `fraction` of the buffer in use at time `now` (seconds, monotonic).
    mutating func observe(fraction: Double, now: Double) -> Say {
        guard fraction >= threshold else {
            defer { highSince = nil; behind = false; lastWarning = nil }
            if behind, let since = highSince { return .caughtUp(afterSeconds: now - since) }
            return .nothing
        }
        let since = highSince ?? now
        highSince = since
        guard now - since >= sustained else { return .nothing }
        behind = true
        if let last = lastWarning, now - last < repeatEvery { return .nothing }
        lastWarning = now
        return .behind(seconds: now - since)
    }
}
