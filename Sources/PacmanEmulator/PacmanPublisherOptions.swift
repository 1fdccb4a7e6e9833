/// How a `PacmanPublisher` sends: where, how fast, how much, what.
public struct PacmanPublisherOptions: Sendable {
    public enum Rate: Sendable, Equatable {
        case unlimited
        case messagesPerSecond(Double)
        case bytesPerSecond(Double)
    }

    /// Where the PUB binds; a PACMAN dataserver binds tcp://*:5556. "tcp://127.0.0.1:*" picks
    /// a free port (read `PacmanPublisher.endpoint`).
    public var endpoint = "tcp://127.0.0.1:5556"
    public var rate: Rate = .unlimited
    /// Words per generated message, drawn uniformly (a message is 8 + 16 x words bytes).
    public var words: ClosedRange<Int> = 1...4000
    /// Stop after this many messages (sent or dropped); nil: no limit (but see `replay`).
    public var count: Int? = nil
    /// Stop after this many seconds of sending; nil: no limit.
    public var seconds: Double? = nil
    public var seed: UInt64 = 1
    /// msg_time of generated messages; nil: the current Unix time. A fixed one makes the bytes
    /// reproducible (tests compare them with `PacmanPublisher.generatedMessages`).
    public var messageTime: UInt32? = nil
    /// Send these messages in order instead of generating them, cycling through them while
    /// `count` or `seconds` asks for more; with neither, one pass.
    public var replay: [[UInt8]]? = nil
    /// Send two frames per message, this one-byte io_group then the payload (the daemon's
    /// tagged-source mode); nil: single frames, as a dataserver sends.
    public var tagged: UInt8? = nil
    /// ZMQ_SNDHWM: the dataserver uses 100; tests use a large value (0: no limit).
    public var sendHighWaterMark = 100
    /// false (default): at the high-water mark, sends block until the subscriber catches up,
    /// so the publisher itself never drops. true: the message is dropped and counted, as a
    /// dataserver would (silently) drop it. Either way a full subscriber holds back all.
    public var dropOnFull = false
    /// Wait for at least `minimumSubscribers` connections (socket monitor, ZMQ_EVENT_ACCEPTED)
    /// for up to this many seconds before sending; `run` throws if they do not come.
    /// nil: do not wait.
    public var waitForSubscribers: Double? = nil
    public var minimumSubscribers = 1
    /// Seconds to wait before the first message (after any subscriber wait), so that
    /// subscribers' subscriptions arrive: a PUB drops what it sends before (slow joiner).
    public var startDelay = 0.5
    /// ZMQ_LINGER, ms: how long closing the publisher keeps unsent messages for a slow subscriber.
    public var lingerMilliseconds = 2000
    /// Seconds between calls of the progress callback.
    public var progressInterval = 1.0
    /// Z85 CURVE secret key: the PUB is a CURVE server, and only subscribers that know its
    /// public key get the messages (as a board configured for CURVE); nil: no CURVE.
    public var curveSecretKey: String? = nil
    /// Send what a board sends (heartbeats, syncs, triggers, its batching), paced to the wall
    /// clock, instead of generated or replayed messages; `count` and `seconds` still bound it
    /// (`seconds` in the stream's time). nil: the generator or the replay.
    public var board: BoardStream.Settings? = nil

    public init() {}
}
