import Foundation
import LArPixRaw
import Synchronization
import ZMQ

/// A stand-in for a PACMAN board's dataserver: binds a ZeroMQ PUB socket and sends
/// single-frame PACMAN data messages (or replays a raw file's messages), paced to a rate.
public final class PacmanPublisher: @unchecked Sendable {
    public enum Rate: Sendable, Equatable {
        case unlimited
        case messagesPerSecond(Double)
        case bytesPerSecond(Double)
    }

    public struct Options: Sendable {
        public var endpoint = "tcp://127.0.0.1:5556"
        public var rate: Rate = .unlimited
        /// Words per generated message (a message is 8 + 16 x words bytes).
        public var words: ClosedRange<Int> = 1...4000
        /// Stop after this many messages (nil: no limit).
        public var count: Int? = nil
        /// Stop after this many seconds (nil: no limit).
        public var seconds: Double? = nil
        public var seed: UInt64 = 1
        /// msg_time of generated messages; nil = the current Unix time (a fixed one makes the
        /// bytes reproducible, for tests).
        public var messageTime: UInt32? = nil
        /// Send these messages in order instead of generating (cycled when count exceeds them).
        public var replay: [[UInt8]]? = nil
        /// Send two frames per message, a one-byte io_group then the payload (a forwarder).
        public var tag: UInt8? = nil
        /// The dataserver uses 100; tests use 0 (no limit) so the publisher never drops.
        public var sendHighWaterMark = 100
        /// PUB drops when a subscriber's queue is full; with false the send blocks (never drops).
        public var dropOnFull = false
        /// Time to let subscribers connect before the first message (PUB/SUB slow joiner).
        public var startDelay = 0.5

        public init() {}
    }

    public struct Report: Codable, Sendable, Equatable {
        public var messages: Int
        public var bytes: Int
        public var words: Int
        public var dropped: Int
        public var seconds: Double

        public init(messages: Int, bytes: Int, words: Int, dropped: Int, seconds: Double) {
            self.messages = messages
            self.bytes = bytes
            self.words = words
            self.dropped = dropped
            self.seconds = seconds
        }
    }

    public let options: Options
    private let socket: ZMQSocket
    private let stopRequested = Atomic<Bool>(false)
    /// The endpoint actually bound (with the port when bound to :*).
    public let boundEndpoint: String

    public init(options: Options, context: ZMQContext = .shared) throws {
        self.options = options
        socket = try ZMQSocket(context: context, type: .pub)
        try socket.setSendHighWaterMark(options.sendHighWaterMark)
        try socket.setLinger(options.dropOnFull ? 0 : 10_000)
        try socket.bind(options.endpoint)
        boundEndpoint = socket.lastEndpoint ?? options.endpoint
    }

    /// Asks `run` to stop after the message it is sending.
    public func stop() { stopRequested.store(true, ordering: .releasing) }

    /// Sends until the count, the time, or `stop()`; returns what was sent. Blocking.
    public func run(progress: ((Report) -> Void)? = nil) throws -> Report {
        if options.startDelay > 0 { Thread.sleep(forTimeInterval: options.startDelay) }
        var builder = PacmanMessageBuilder(seed: options.seed)
        var report = Report(messages: 0, bytes: 0, words: 0, dropped: 0, seconds: 0)
        let clock = ContinuousClock()
        let start = clock.now
        var lastProgress = start
        // Pacing: each message has a due time from the totals sent so far; we sleep only when
        // ahead by more than a millisecond, so high rates go out in bursts, not one sleep each.
        let maxWords = options.words.upperBound
        var buffer = [UInt8](repeating: 0, count: 8 + 16 * maxWords)
        while !stopRequested.load(ordering: .acquiring) {
            if let c = options.count, report.messages >= c { break }
            let elapsed = (clock.now - start).seconds
            if let s = options.seconds, s > 0, elapsed >= s { break }
            let due: Double
            switch options.rate {
            case .unlimited: due = 0
            case .messagesPerSecond(let r): due = Double(report.messages) / r
            case .bytesPerSecond(let r): due = Double(report.bytes) / r
            }
            if due - elapsed > 0.001 { Thread.sleep(forTimeInterval: min(due - elapsed, 0.05)); continue }
            let sent: Bool
            let size: Int
            var words = 0
            if let replay = options.replay {
                guard !replay.isEmpty else { break }
                let m = replay[report.messages % replay.count]
                size = m.count
                sent = try send(m)
            } else {
                words = builder.next(in: options.words)
                size = 8 + 16 * words
                let time = options.messageTime ?? UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970))
                sent = try buffer.withUnsafeMutableBytes { (all: UnsafeMutableRawBufferPointer) -> Bool in
                    let p = UnsafeMutableRawBufferPointer(rebasing: all[0..<size])
                    builder.fill(p, words: words, time: time)
                    return try send(UnsafeRawBufferPointer(p))
                }
            }
            if sent {
                report.messages += 1
                report.bytes += size
                report.words += words
            } else {
                report.dropped += 1
            }
            if let progress, (clock.now - lastProgress).seconds >= 1 {
                lastProgress = clock.now
                report.seconds = (clock.now - start).seconds
                progress(report)
            }
        }
        report.seconds = (clock.now - start).seconds
        return report
    }

    /// The first `count` messages a publisher with this seed, word range and message time sends.
    public static func expectedMessages(seed: UInt64, words: ClosedRange<Int>, time: UInt32, count: Int) -> [[UInt8]] {
        var b = PacmanMessageBuilder(seed: seed)
        return (0..<count).map { _ in
            let w = b.next(in: words)
            return b.dataMessage(words: w, time: time)
        }
    }

    private func send(_ bytes: [UInt8]) throws -> Bool {
        try bytes.withUnsafeBytes { try send($0) }
    }

    private func send(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        if let tag = options.tag {
            guard try socket.send([tag], more: true, dontWait: options.dropOnFull) else { return false }
            return try socket.send(bytes, dontWait: false)
        }
        return try socket.send(bytes, dontWait: options.dropOnFull)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
