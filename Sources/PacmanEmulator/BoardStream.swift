import PACMAN

/// What a PACMAN board sends, as a deterministic stream of messages in simulated time: data
/// words at `dataRate`, trigger words at `triggerRate`, an 'S' sync every second (10,000,000
/// ticks of the 10 MHz clock: the timestamp counter restarts at 0 there, and the sync word
/// carries 10,000,000), a heartbeat ('H' sync word, a message of its own, as the dataserver
/// sends it) every `heartbeatInterval` from time 0. Without syncs the 32-bit counter wraps.
/// `batching` is the 2024 dataserver's: a message goes out as soon as 4,000 words wait (at
/// most 16,000), or with whatever waited 1 ms; without it every word is a message of its own
/// (as the 2023 data's small messages). Pure: the publisher paces it to the wall clock.
public struct BoardStream: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Data words per second (0: none).
        public var dataRate = 1000.0
        /// Trigger words per second (0: none).
        public var triggerRate = 0.0
        /// Seconds between heartbeats; nil: none.
        public var heartbeatInterval: Double? = nil
        public var syncs = true
        public var batching = false
        /// Header unix seconds at simulated time 0.
        public var startTime: UInt32 = 1_700_000_000
        public var seed: UInt64 = 1

        public init() {}

        /// Why these settings make no stream (nil: they do).
        public var problem: String? {
            if !(dataRate >= 0 && dataRate.isFinite) || dataRate > 10_000_000 { return "data rate \(dataRate) must be within 0...10000000 words/s" }
            if !(triggerRate >= 0 && triggerRate.isFinite) || triggerRate > 10_000_000 { return "trigger rate \(triggerRate) must be within 0...10000000 words/s" }
            if let h = heartbeatInterval, !(h >= 0.001 && h.isFinite) { return "heartbeat interval \(h) must be at least 0.001 s" }
            if dataRate == 0 && triggerRate == 0 && heartbeatInterval == nil && !syncs { return "nothing to send (no data, triggers, syncs or heartbeats)" }
            return nil
        }
    }

    /// One message: when it goes out (simulated seconds from the start), its bytes, its words.
    public struct Message: Sendable {
        public var seconds: Double
        public var bytes: [UInt8]
        public var counts: BoardWordCounts
    }

    public static let ticksPerSecond = UInt64(PacmanSyncType.ticksPerSecond)
    /// The dataserver's batching bounds: send at this many waiting words, never more than the cap,
    /// and whatever waited `batchWaitTicks`.
    public static let batchThreshold = 4000
    public static let batchCap = 16000
    public static let batchWaitTicks: UInt64 = 10_000

    private enum Kind { case data, trigger, sync, heartbeat }

    public let settings: Settings
    private var rng: SplitMix64
    private var taken: (data: UInt64, trigger: UInt64, sync: UInt64, heartbeat: UInt64) = (0, 0, 0, 0)
    /// The tick of the next event of each kind (UInt64.max: never), kept as events are taken.
    private var ticks: (data: UInt64, trigger: UInt64, sync: UInt64, heartbeat: UInt64) = (0, 0, 0, 0)
    private var pending: [(low: UInt64, high: UInt64)] = []
    private var pendingCounts = BoardWordCounts()
    private var pendingSince: UInt64 = 0

    public init(settings: Settings) {
        precondition(settings.problem == nil, settings.problem ?? "")
        self.settings = settings
        rng = SplitMix64(seed: settings.seed)
        ticks = (nextTick(.data), nextTick(.trigger), nextTick(.sync), nextTick(.heartbeat))
    }

    /// The tick of the next event of `k` after those taken (UInt64.max: never).
    private func nextTick(_ k: Kind) -> UInt64 {
        let t = Double(Self.ticksPerSecond)
        switch k {
        case .data: return settings.dataRate > 0 ? UInt64(Double(taken.data) * t / settings.dataRate) : .max
        case .trigger: return settings.triggerRate > 0 ? UInt64((Double(taken.trigger) + 0.5) * t / settings.triggerRate) : .max
        case .sync: return settings.syncs ? (taken.sync + 1) * Self.ticksPerSecond : .max
        case .heartbeat: return settings.heartbeatInterval.map { UInt64(Double(taken.heartbeat) * $0 * t) } ?? .max
        }
    }

    /// The next message of the stream.
    public mutating func next() -> Message {
        while true {
            // Syncs first at a tie: the counter restarts before the words of that tick.
            var (kind, tick) = (Kind.sync, ticks.sync)
            if ticks.heartbeat < tick { (kind, tick) = (.heartbeat, ticks.heartbeat) }
            if ticks.data < tick { (kind, tick) = (.data, ticks.data) }
            if ticks.trigger < tick { (kind, tick) = (.trigger, ticks.trigger) }
            if settings.batching && !pending.isEmpty && pendingSince + Self.batchWaitTicks <= tick {
                return flushPending(at: pendingSince + Self.batchWaitTicks)
            }
            let word = take(kind, at: tick)
            var c = BoardWordCounts()
            switch kind {
            case .data: c.data = 1
            case .trigger: c.trigger = 1
            case .sync: c.sync = 1
            case .heartbeat:
                c.heartbeat = 1
                return message([word], counts: c, at: tick)
            }
            if !settings.batching { return message([word], counts: c, at: tick) }
            if pending.isEmpty { pendingSince = tick }
            pending.append(word)
            pendingCounts += c
            if pending.count >= Self.batchThreshold { return flushPending(at: tick) }
        }
    }

    private mutating func flushPending(at tick: UInt64) -> Message {
        let n = min(pending.count, Self.batchCap)
        var c = pendingCounts
        if n < pending.count { c = Self.counts(of: pending[0..<n]) }
        let m = message(Array(pending[0..<n]), counts: c, at: tick)
        pending.removeFirst(n)
        pendingCounts = Self.counts(of: pending[...])
        if !pending.isEmpty { pendingSince = tick }
        return m
    }

    private static func counts(of words: ArraySlice<(low: UInt64, high: UInt64)>) -> BoardWordCounts {
        var c = BoardWordCounts()
        for w in words {
            switch UInt8(truncatingIfNeeded: w.low) {
            case PacmanWordType.data.rawValue: c.data += 1
            case PacmanWordType.trigger.rawValue: c.trigger += 1
            default: if UInt8(truncatingIfNeeded: w.low >> 8) == PacmanSyncType.heartbeat { c.heartbeat += 1 } else { c.sync += 1 }
            }
        }
        return c
    }

    /// The board's timestamp counter at `tick`: restarted by each 'S' sync, else wrapping.
    private func counter(at tick: UInt64) -> UInt32 {
        settings.syncs ? UInt32(tick % Self.ticksPerSecond) : UInt32(truncatingIfNeeded: tick)
    }

    /// Consumes the next event of `kind` (at `tick`) and returns its word as bytes 0-7 and 8-15.
    private mutating func take(_ kind: Kind, at tick: UInt64) -> (low: UInt64, high: UInt64) {
        switch kind {
        case .data:
            taken.data += 1
            ticks.data = nextTick(.data)
            let r = rng.next(), stamp = counter(at: tick)
            let ioChannel = 1 + (r >> 8) % 32
            return (UInt64(PacmanWordType.data.rawValue) | ioChannel << 8 | UInt64(stamp) << 16,
                    PacmanMessageBuilder.larpixDataPacket(rng.next(), timestamp: stamp))
        case .trigger:
            taken.trigger += 1
            ticks.trigger = nextTick(.trigger)
            return (UInt64(PacmanWordType.trigger.rawValue) | 1 << 8 | UInt64(counter(at: tick)) << 32, 0)
        case .sync:
            taken.sync += 1
            ticks.sync = nextTick(.sync)
            return (UInt64(PacmanWordType.sync.rawValue) | UInt64(PacmanSyncType.sync) << 8 | Self.ticksPerSecond << 32, 0)
        case .heartbeat:
            taken.heartbeat += 1
            ticks.heartbeat = nextTick(.heartbeat)
            return (UInt64(PacmanWordType.sync.rawValue) | UInt64(PacmanSyncType.heartbeat) << 8 | UInt64(counter(at: tick)) << 32, 0)
        }
    }

    private func message(_ words: [(low: UInt64, high: UInt64)], counts: BoardWordCounts, at tick: UInt64) -> Message {
        var c = counts
        c.messages = 1
        let time = settings.startTime &+ UInt32(truncatingIfNeeded: tick / Self.ticksPerSecond)
        var bytes = [UInt8](repeating: 0, count: PacmanMessageBuilder.messageBytes(words: words.count))
        bytes.withUnsafeMutableBytes { p in
            p[0] = PacmanMessageType.data.rawValue
            p.storeBytes(of: time.littleEndian, toByteOffset: 1, as: UInt32.self)
            p.storeBytes(of: UInt16(words.count).littleEndian, toByteOffset: 6, as: UInt16.self)
            for (i, w) in words.enumerated() {
                p.storeBytes(of: w.low.littleEndian, toByteOffset: 8 + 16 * i, as: UInt64.self)
                p.storeBytes(of: w.high.littleEndian, toByteOffset: 16 + 16 * i, as: UInt64.self)
            }
        }
        return Message(seconds: Double(tick) / Double(Self.ticksPerSecond), bytes: bytes, counts: c)
    }
}
