/// Messages and bytes written per second over the last tick: computed once (on the writer's
/// once-a-second status tick) and read by STATUS= and the metrics alike.
package struct WriteRates: Sendable, Equatable {
    package private(set) var messagesPerSecond = 0.0
    package private(set) var bytesPerSecond = 0.0
    private var lastMessages = 0
    private var lastBytes = 0
    private var lastTime: UInt64 = 0

    init() {}

    /// From the running totals at monotonic time `now` (nanoseconds). The first call only starts.
    mutating func update(messages: Int, bytes: Int, now: UInt64) {
        if lastTime != 0, now > lastTime {
            let dt = Double(now - lastTime) / 1e9
            messagesPerSecond = Double(messages - lastMessages) / dt
            bytesPerSecond = Double(bytes - lastBytes) / dt
        }
        (lastMessages, lastBytes, lastTime) = (messages, bytes, now)
    }
}
