import Yams

extension DaemonConfig {
    /// Data-quality counting per io_group on the receive path (words by type, heartbeats, syncs,
    /// header time jumps, receipt-timestamp resets): what a board that drops at its send
    /// high-water mark leaves as its only witness.
    public struct Quality: Sendable, Equatable {
        public var enabled = true
        /// Header unix seconds that go back, or run ahead of the time that passed here, by more
        /// than this count as a time jump. Boards' clocks are NTP-set, and messages wait at most
        /// 1 ms in a board: 5 s is far outside what a healthy board shows.
        public var timeJumpSeconds = 5
        /// A board that sent heartbeats and sends none for this long is logged as stopped (real
        /// boards send one every 10 s).
        public var heartbeatTimeout = 30.0
    }

    mutating func readQuality(_ n: Node, _ r: ConfigReader) throws(ConfigError) {
        let m = try r.mapping(n, "quality", known: ["enabled", "time_jump_seconds", "heartbeat_timeout"])
        if let v = m["enabled"] { quality.enabled = try r.bool(v, "quality.enabled") }
        if let v = m["time_jump_seconds"] { quality.timeJumpSeconds = try r.int(v, "quality.time_jump_seconds", in: 1...86_400) }
        if let v = m["heartbeat_timeout"] {
            quality.heartbeatTimeout = try r.seconds(v, "quality.heartbeat_timeout", zeroAllowed: false, atMost: 86_400)
        }
    }
}
