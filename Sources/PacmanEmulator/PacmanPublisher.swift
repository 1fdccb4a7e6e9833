import PACMAN
import Foundation
import Synchronization
import ZMQ

/// A stand-in for a PACMAN board's dataserver: binds a ZeroMQ PUB socket and sends
/// single-frame PACMAN data messages (generated from a seed, or replayed), paced to a rate.
///
/// `run()` is synchronous and meant for a thread of its own; `stop()` may be called from any
/// thread (a signal handler's thread, say). The socket belongs to the thread that runs.
// @unchecked Sendable: `stop()` only sets an atomic; everything else belongs to the thread in `run()`.
public final class PacmanPublisher: @unchecked Sendable {
    public typealias Options = PacmanPublisherOptions
    public typealias Rate = PacmanPublisherOptions.Rate
    public typealias Report = PublishReport

    public let options: Options
    /// The endpoint actually bound, with the port filled in when bound to ":*".
    public let endpoint: String
    private let socket: ZMQSocket
    /// Watches for subscribers connecting, when the options ask to wait for them.
    private var monitor: ZMQSocket?
    private let stopRequested = Atomic<Bool>(false)

    /// Messages due within this window go out back to back: at 100k msg/s the publisher sleeps
    /// about once a millisecond, not once a message.
    private static let burstWindow = 0.001
    /// How often a blocked send or a wait looks at the stop flag.
    private static let stopCheckMilliseconds = 100

    public init(options: Options, context: ZMQContext = .shared) throws {
        try Self.check(options)
        self.options = options
        socket = try ZMQSocket(context: context, type: .pub)
        try socket.setSendHighWaterMark(options.sendHighWaterMark)
        try socket.setLinger(options.lingerMilliseconds)
        // At the high-water mark, fail the send (then block or drop as asked) rather than let
        // PUB drop silently: the publisher then knows, and counts, every message it sends.
        try socket.setNoDrop(true)
        // A blocked send wakes this often to look at the stop flag, then retries the same frame.
        try socket.setSendTimeout(Self.stopCheckMilliseconds)
        if let key = options.curveSecretKey { try socket.setCurveServer(secretKey: key) }
        if options.waitForSubscribers != nil {
            // Watch before binding, so that no connection is missed.
            monitor = try socket.openMonitor(events: .accepted)
        }
        try socket.bind(options.endpoint)
        endpoint = socket.lastEndpoint ?? options.endpoint
    }

    deinit { close() }

    /// Closes the socket; unsent messages are kept for `lingerMilliseconds`.
    public func close() {
        monitor?.close()
        monitor = nil
        socket.close()
    }

    /// Asks `run` to return after the message it is sending (or from its wait or delay).
    public func stop() { stopRequested.store(true, ordering: .releasing) }

    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Sends until `count` messages, `seconds`, or `stop()`; returns what was sent. Blocking.
    /// `progress` is called on this thread every `progressInterval` seconds with the counts so far.
    public func run(progress: ((PublishReport) -> Void)? = nil) throws -> PublishReport {
        try awaitSubscribers()
        pause(seconds: options.startDelay)
        if let board = options.board { return try runBoard(board, progress: progress) }

        var builder = PacmanMessageBuilder(seed: options.seed)
        var report = PublishReport()
        // A replay without a count or a time limit makes one pass.
        let limit = options.count ?? (options.seconds == nil ? options.replay?.count : nil)
        let needsClock = options.rate != .unlimited || options.seconds != nil || progress != nil
        var attempted = 0, offeredBytes = 0
        var nextProgress = options.progressInterval
        let clock = ContinuousClock()
        let start = clock.now

        while !isStopRequested {
            if let limit, attempted >= limit { break }
            if needsClock {
                let elapsed = (clock.now - start).inSeconds
                if let s = options.seconds, elapsed >= s { break }
                if let progress, elapsed >= nextProgress {
                    report.seconds = elapsed
                    progress(report)
                    nextProgress = elapsed + options.progressInterval
                }
                let ahead = secondsAhead(attempted: attempted, offeredBytes: offeredBytes, elapsed: elapsed)
                if ahead > Self.burstWindow {
                    Thread.sleep(forTimeInterval: min(ahead, Double(Self.stopCheckMilliseconds) / 1000))
                    continue
                }
            }

            let (size, words, outcome) = try sendNext(index: attempted, builder: &builder)
            if outcome == .stopped { break }
            attempted += 1
            offeredBytes += size
            if outcome == .sent {
                report.messages += 1
                report.bytes += size
                report.wordsTotal += words
            } else {
                report.dropped += 1
            }
        }
        report.seconds = (clock.now - start).inSeconds
        return report
    }

    /// Board mode: each message of the stream at its time (from the start, on the wall clock).
    private func runBoard(_ settings: BoardStream.Settings, progress: ((PublishReport) -> Void)?) throws -> PublishReport {
        var stream = BoardStream(settings: settings)
        var report = PublishReport()
        var attempted = 0, nextProgress = options.progressInterval
        let clock = ContinuousClock()
        let start = clock.now
        var m = stream.next()
        while !isStopRequested {
            if let limit = options.count, attempted >= limit { break }
            if let s = options.seconds, m.seconds >= s { break }
            let elapsed = (clock.now - start).inSeconds
            if let progress, elapsed >= nextProgress {
                report.seconds = elapsed
                progress(report)
                nextProgress = elapsed + options.progressInterval
            }
            if m.seconds - elapsed > Self.burstWindow {
                Thread.sleep(forTimeInterval: min(m.seconds - elapsed, Double(Self.stopCheckMilliseconds) / 1000))
                continue
            }
            let outcome = try m.bytes.withUnsafeBytes { try sendPayload($0) }
            if outcome == .stopped { break }
            attempted += 1
            if outcome == .sent {
                report.messages += 1
                report.bytes += m.bytes.count
                report.wordsTotal += m.counts.words
                report.sentWords += m.counts
            } else {
                report.dropped += 1
                report.droppedWords += m.counts
            }
            m = stream.next()
        }
        report.seconds = (clock.now - start).inSeconds
        return report
    }

    /// How far ahead of its schedule the next message is. Each message is due at a time computed
    /// from the totals so far, so the average rate holds however long a sleep or a send took.
    private func secondsAhead(attempted: Int, offeredBytes: Int, elapsed: Double) -> Double {
        switch options.rate {
        case .unlimited: return -elapsed
        case .messagesPerSecond(let r): return Double(attempted) / r - elapsed
        case .bytesPerSecond(let r): return Double(offeredBytes) / r - elapsed
        }
    }

    /// Sends the message `index` of a replay, or the next generated one: (bytes, words, outcome).
    private func sendNext(index: Int, builder: inout PacmanMessageBuilder) throws -> (Int, Int, SendOutcome) {
        if let replay = options.replay {
            let m = replay[index % replay.count]
            let words = m.withUnsafeBytes { PacmanHeader(parsing: $0).map { Int($0.words) } ?? 0 }
            return (m.count, words, try m.withUnsafeBytes { try sendPayload($0) })
        }
        let words = builder.nextWordCount(in: options.words)
        let size = PacmanMessageBuilder.messageBytes(words: words)
        let time = options.messageTime ?? UInt32(truncatingIfNeeded: Foundation.time(nil))
        // Generated straight into libzmq's buffer: no copy of the message is made.
        var message = try ZMQOutgoingMessage(count: size)
        message.withUnsafeMutableBytes { builder.fillDataMessage($0, words: words, time: time) }
        return (size, words, try sendPayload(&message))
    }

    /// The first `count` messages a publisher with this seed, word range and message time
    /// generates, byte for byte.
    public static func generatedMessages(seed: UInt64, words: ClosedRange<Int>, time: UInt32, count: Int) -> [[UInt8]] {
        var builder = PacmanMessageBuilder(seed: seed)
        return (0..<count).map { _ in
            let w = builder.nextWordCount(in: words)
            return builder.nextDataMessage(words: w, time: time)
        }
    }

    // MARK: Sending

    private enum SendOutcome { case sent, dropped, stopped }

    private func sendPayload(_ bytes: UnsafeRawBufferPointer) throws -> SendOutcome {
        let tag = try sendTag()
        if tag != .sent { return tag }
        return try retrying { () throws(ZMQError) in try socket.send(bytes, dontWait: options.dropOnFull) }
    }

    private func sendPayload(_ message: inout ZMQOutgoingMessage) throws -> SendOutcome {
        let tag = try sendTag()
        if tag != .sent { return tag }
        // Not `retrying`: a closure cannot capture the inout noncopyable message.
        while true {
            if try socket.send(&message, dontWait: options.dropOnFull) { return .sent }
            if options.dropOnFull { return .dropped }
            if isStopRequested { return .stopped }
        }
    }

    /// Tagged mode's first frame, the io_group byte. The payload that follows cannot be refused:
    /// libzmq takes the rest of a multipart message once it took the first frame.
    private func sendTag() throws -> SendOutcome {
        guard let tag = options.tagged else { return .sent }
        return try retrying { () throws(ZMQError) in
            try withUnsafeBytes(of: tag) { (p: UnsafeRawBufferPointer) throws(ZMQError) in
                try socket.send(p, more: true, dontWait: options.dropOnFull)
            }
        }
    }

    /// Sends until it goes out, unless dropping on full (then one try) or asked to stop.
    private func retrying(_ send: () throws(ZMQError) -> Bool) throws(ZMQError) -> SendOutcome {
        while true {
            if try send() { return .sent }
            if options.dropOnFull { return .dropped }
            if isStopRequested { return .stopped }
        }
    }

    // MARK: Starting

    /// Waits for `minimumSubscribers` accepted connections, when the options ask to.
    private func awaitSubscribers() throws {
        guard let timeout = options.waitForSubscribers, let monitor else { return }
        defer {
            try? socket.stopMonitor()
            monitor.close()
            self.monitor = nil
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(timeout * 1000))
        var connected = 0
        while connected < options.minimumSubscribers && !isStopRequested {
            let left = (deadline - clock.now).inSeconds
            if left <= 0 {
                throw PacmanPublisherError.noSubscribers(endpoint: endpoint, connected: connected,
                                                         wanted: options.minimumSubscribers, seconds: timeout)
            }
            let wait = min(Int((left * 1000).rounded(.up)), Self.stopCheckMilliseconds)
            if let event = try monitor.receiveMonitorEvent(timeoutMilliseconds: wait), event.event == .accepted {
                connected += 1
            }
        }
    }

    /// Sleeps, waking to look at the stop flag.
    private func pause(seconds: Double) {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        while !isStopRequested {
            let left = (end - clock.now).inSeconds
            if left <= 0 { return }
            Thread.sleep(forTimeInterval: min(left, Double(Self.stopCheckMilliseconds) / 1000))
        }
    }

    private static func check(_ o: Options) throws {
        func fail(_ why: String) throws -> Never { throw PacmanPublisherError.invalidOptions(why) }
        if o.words.lowerBound < 0 || o.words.upperBound > Int(UInt16.max) {
            try fail("words \(o.words) must be within 0...65535")
        }
        switch o.rate {
        case .unlimited: break
        case .messagesPerSecond(let r), .bytesPerSecond(let r):
            if !(r > 0 && r.isFinite) { try fail("rate \(r) must be positive") }
        }
        if let c = o.count, c < 0 { try fail("count \(c) must not be negative") }
        if let s = o.seconds, !(s >= 0) { try fail("seconds \(s) must not be negative") }
        if let r = o.replay, r.isEmpty { try fail("nothing to replay") }
        if let w = o.waitForSubscribers, !(w >= 0) { try fail("subscriber wait \(w) must not be negative") }
        if o.minimumSubscribers < 1 { try fail("minimum subscribers \(o.minimumSubscribers) must be at least 1") }
        if !(o.startDelay >= 0) { try fail("start delay \(o.startDelay) must not be negative") }
        if !(o.progressInterval > 0) { try fail("progress interval \(o.progressInterval) must be positive") }
        if let b = o.board, let problem = b.problem { try fail(problem) }
        if o.board != nil && o.replay != nil { try fail("board mode and a replay exclude each other") }
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
