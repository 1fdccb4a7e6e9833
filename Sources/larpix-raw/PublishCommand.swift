import PACMAN
import ArgumentParser
import Foundation
import LArPixRaw
import PacmanEmulator
import ZMQ

/// "MIN-MAX" or "N" words per message.
struct WordRange: ExpressibleByArgument, CustomStringConvertible {
    var range: ClosedRange<Int>

    init?(argument: String) {
        let parts = argument.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let lo = Int(parts[0]), let hi = Int(parts.last!), 0 <= lo, lo <= hi, hi <= Int(UInt16.max) else { return nil }
        range = lo...hi
    }

    var description: String { "\(range.lowerBound)-\(range.upperBound)" }
}

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Emulate a PACMAN board: publish PACMAN data messages on a ZeroMQ PUB socket.",
        discussion: """
        Binds a PUB socket (like a board's dataserver on tcp://*:5556) and sends single-frame \
        messages: generated, well-formed data messages of --words 16-byte words (deterministic \
        for a given --seed and --msg-time), or with --replay the messages of a raw file in order \
        (only io_group G with --io-group; once through unless --count or --seconds says \
        otherwise). --tagged G sends two frames per message, a one-byte io_group G then the \
        message. Paced to --rate messages/s or --byte-rate bytes/s (unlimited when neither); \
        stops after --count messages or --seconds, or on SIGINT/SIGTERM (a second signal exits \
        at once), and always prints what it sent: one line, or one JSON object with --json. \
        --curve-secret-key makes it a CURVE server, as a board configured for CURVE: only \
        subscribers that know its public key receive anything. \
        --wait-subscriber gives subscribers time to connect before the first message (PUB drops \
        what is sent before a subscriber joins). By default a full send queue blocks (nothing \
        dropped); --drop-on-full drops like the real dataserver and counts the drops. \
        The bound endpoint is printed on stderr ("publishing on …"), useful with a :* port. \
        Board mode (--board, or any of --data-rate, --trigger-rate, --heartbeat-interval, \
        --board-batching, --no-syncs) sends what a PACMAN board sends instead, paced to the wall \
        clock: data and trigger words at their rates, an 'S' sync every second (10,000,000 ticks \
        of the 10 MHz clock, where the timestamp counter restarts), a heartbeat message every \
        --heartbeat-interval, one word per message or batched as the 2024 dataserver; it reports \
        the words sent (and dropped, with --drop-at-hwm: a send high-water mark of 100 that drops \
        like a board) by kind. --seconds is then the stream's time. \
        A ZeroMQ failure (endpoint in use, bad address) exits 22.
        """
    )

    @Option(help: ArgumentHelp("ZeroMQ endpoint to bind.", valueName: "endpoint")) var endpoint = "tcp://127.0.0.1:5556"
    @Option(help: ArgumentHelp("Messages per second.", valueName: "n")) var rate: Double?
    @Option(help: ArgumentHelp("Bytes per second (k, M, G, KiB, MiB, GiB suffixes).", valueName: "n")) var byteRate: ByteSize?
    @Option(help: ArgumentHelp("Words per generated message, MIN-MAX or N.", valueName: "min-max")) var words: WordRange = WordRange(argument: "1-4000")!
    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n")) var count: Int?
    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "s")) var seconds: Double?
    @Option(help: ArgumentHelp("Seed of the message generator.", valueName: "n")) var seed: UInt64 = 1
    @Option(name: .customLong("msg-time"), help: ArgumentHelp("Fixed msg_time for generated messages (default: the current time).", valueName: "unix-seconds"))
    var msgTime: UInt32?
    @Option(help: ArgumentHelp("Republish this raw file's messages instead of generating.", valueName: "file")) var replay: String?
    @Option(name: .customLong("io-group"), help: ArgumentHelp("With --replay: only messages of this io_group.", valueName: "g")) var ioGroup: UInt8?
    @Option(help: ArgumentHelp("Send a one-byte io_group frame before each message.", valueName: "g")) var tagged: UInt8?
    @Option(help: ArgumentHelp("Send high-water mark (the dataserver uses 100; 0 = no limit).", valueName: "n")) var hwm: Int = 100
    @Option(name: .customLong("wait-subscriber"), help: ArgumentHelp("Seconds to wait for subscribers before sending.", valueName: "seconds"))
    var waitSubscriber: Double = 0.5
    @Flag(help: "Drop messages when the send queue is full (and count them) instead of blocking.") var dropOnFull = false
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(name: .customLong("curve-secret-key"), help: ArgumentHelp("Act as a CURVE server with the secret key in this file (mode 0600; see keygen).", valueName: "file"))
    var curveSecretKey: String?
    @OptionGroup(title: "Board mode") var boardMode: BoardOptions

    func validate() throws {
        try boardMode.validate(replay: replay, rated: rate != nil || byteRate != nil)
        if rate != nil && byteRate != nil { throw ValidationError("give --rate or --byte-rate, not both") }
        if count != nil && seconds != nil { throw ValidationError("give --count or --seconds, not both") }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be positive") }
        if let byteRate, byteRate.bytes <= 0 { throw ValidationError("--byte-rate must be positive") }
        if let count, count < 0 { throw ValidationError("--count must not be negative") }
        if let seconds, !(seconds >= 0) { throw ValidationError("--seconds must not be negative") }
        if ioGroup != nil && replay == nil { throw ValidationError("--io-group needs --replay") }
        if hwm < 0 { throw ValidationError("--hwm must not be negative") }
        if !(waitSubscriber >= 0) { throw ValidationError("--wait-subscriber must not be negative") }
    }

    func run() throws {
        try reportingErrors {
            var o = PacmanPublisher.Options()
            o.endpoint = endpoint
            if let rate { o.rate = .messagesPerSecond(rate) } else if let byteRate { o.rate = .bytesPerSecond(Double(byteRate.bytes)) }
            o.words = words.range
            o.count = count
            o.seconds = seconds
            o.seed = seed
            o.messageTime = msgTime
            o.tagged = tagged
            o.sendHighWaterMark = hwm
            o.dropOnFull = dropOnFull
            if boardMode.dropAtHWM { (o.sendHighWaterMark, o.dropOnFull) = (100, true) }
            o.board = boardMode.settings(seed: seed, time: msgTime ?? UInt32(truncatingIfNeeded: time(nil)))
            o.startDelay = waitSubscriber
            if let curveSecretKey {
                guard ZMQCurve.isAvailable else {
                    throw CLIError(subject: curveSecretKey, reason: "this libzmq (\(ZMQContext.libraryVersion)) was built without CURVE", exitCode: ExitCodes.endpoint)
                }
                do { o.curveSecretKey = try ZMQCurveKeyFile.readSecretKey(curveSecretKey) } catch let error as ZMQCurveKeyFileError {
                    throw CLIError(subject: error.path, reason: error.problem, exitCode: ExitCodes.usage)
                }
            }
            if let replay {
                let contents = try RawFile.read(replay)
                var messages = contents.messages ?? []
                if let ioGroup {
                    let groups = contents.headers[RawFileLayout.ioGroupsField] ?? []
                    messages = zip(messages, groups).filter { $0.1 == Int(ioGroup) }.map(\.0)
                }
                o.replay = messages
                if count == nil && seconds == nil { o.count = messages.count }
            }

            let (report, bound) = try publish(o)
            printReport(report, bound: bound)
        }
    }

    private func printReport(_ report: PacmanPublisher.Report, bound: String) {
        if json {
            let obj: JSONValue = .object([
                ("endpoint", .string(bound)),
                ("messages", .int(report.messages)),
                ("bytes", .int(report.bytes)),
                ("words", .int(report.wordsTotal)),
                ("dropped", .int(report.dropped)),
                ("seconds", .double(report.seconds)),
                ("stopped_by_signal", .bool(StopSignal.shared.stopRequested)),
            ] + (boardMode.isBoard ? [("sent_words", BoardOptions.json(report.sentWords)),
                                      ("dropped_words", BoardOptions.json(report.droppedWords))] : []))
            print(obj.rendered(pretty: false))
        } else {
            var line = "\(bound): sent \(report.messages) messages, \(report.bytes) bytes"
            if replay == nil { line += ", \(report.wordsTotal) words" }
            line += String(format: " in %.3f s", report.seconds)
            if report.dropped > 0 { line += ", dropped \(report.dropped)" }
            if StopSignal.shared.stopRequested { line += " (stopped by signal)" }
            if boardMode.isBoard {
                line += "\n  sent \(BoardOptions.text(report.sentWords))"
                if report.dropped > 0 { line += "\n  dropped \(BoardOptions.text(report.droppedWords))" }
            }
            print(line)
        }
    }

    /// Runs the publisher on a context of its own, released before returning: terminating the
    /// context waits (up to the socket's linger) until queued messages are on the wire, which a
    /// process exit would otherwise cut off.
    private func publish(_ o: PacmanPublisher.Options) throws -> (PacmanPublisher.Report, String) {
        let context = ZMQContext()
        let publisher: PacmanPublisher
        do { publisher = try PacmanPublisher(options: o, context: context) } catch {
            throw CLIError(subject: endpoint, reason: "\(error)", exitCode: ExitCodes.endpoint)
        }
        let bound = publisher.endpoint
        printNote("publishing on \(bound)")
        StopSignal.shared.install { [weak publisher] in publisher?.stop() }
        let bar = ProgressBar("publish")
        defer { bar.finish() }
        do {
            let report = try publisher.run { r in
                bar.status("\(r.messages) messages, \(humanBytes(r.bytes)), \(String(format: "%.0f", Double(r.messages) / max(r.seconds, 1e-9))) msg/s")
            }
            return (report, bound)
        } catch {
            throw CLIError(subject: bound, reason: "\(error)", exitCode: ExitCodes.endpoint)
        }
    }
}
