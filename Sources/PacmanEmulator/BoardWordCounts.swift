/// Words of a board's stream by kind: what the emulator sent or dropped, to compare with the
/// daemon's data-quality counters.
public struct BoardWordCounts: Codable, Sendable, Equatable {
    public var data = 0
    public var trigger = 0
    /// Sync words of sync_type 'H'.
    public var heartbeat = 0
    /// Sync words of sync_type 'S'.
    public var sync = 0
    /// Messages (a heartbeat is a message of its own).
    public var messages = 0

    public init(data: Int = 0, trigger: Int = 0, heartbeat: Int = 0, sync: Int = 0, messages: Int = 0) {
        (self.data, self.trigger, self.heartbeat, self.sync, self.messages) = (data, trigger, heartbeat, sync, messages)
    }

    public var words: Int { data + trigger + heartbeat + sync }

    public static func += (a: inout BoardWordCounts, b: BoardWordCounts) {
        a.data += b.data
        a.trigger += b.trigger
        a.heartbeat += b.heartbeat
        a.sync += b.sync
        a.messages += b.messages
    }
}
