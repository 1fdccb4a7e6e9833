import ArgumentParser
import Foundation
import PacmanEmulator

/// `publish`'s board mode: a stream that looks like a PACMAN board's (BoardStream), so that the
/// daemon's data-quality counters can be checked against known heartbeats, syncs and drops.
struct BoardOptions: ParsableArguments {
    @Flag(help: "Send like a board: data words, 'S' syncs every second, heartbeats, triggers (implied by the options below).")
    var board = false
    @Option(name: .customLong("data-rate"), help: ArgumentHelp("Board mode: data words per second (default 1000).", valueName: "n"))
    var dataRate: Double?
    @Option(name: .customLong("trigger-rate"), help: ArgumentHelp("Board mode: trigger words per second (default 0).", valueName: "n"))
    var triggerRate: Double?
    @Option(name: .customLong("heartbeat-interval"), help: ArgumentHelp("Board mode: seconds between heartbeats ('H' sync words; real boards: 10).", valueName: "s"))
    var heartbeatInterval: Double?
    @Flag(name: .customLong("no-syncs"), help: "Board mode: no 'S' sync each second (the timestamp counter then wraps).")
    var noSyncs = false
    @Flag(name: .customLong("board-batching"), help: "Board mode: batch as the 2024 dataserver (4000-16000 words, or what waited 1 ms); else one word per message.")
    var boardBatching = false
    @Flag(name: [.customLong("drop-at-hwm"), .customLong("board-hwm")], help: "Drop (and count) at a send high-water mark of 100, like a real board.")
    var dropAtHWM = false

    var isBoard: Bool { board || dataRate != nil || triggerRate != nil || heartbeatInterval != nil || noSyncs || boardBatching }

    /// The stream these options describe (nil: not board mode); `time`: header seconds at its start.
    func settings(seed: UInt64, time: UInt32) -> BoardStream.Settings? {
        guard isBoard else { return nil }
        var s = BoardStream.Settings()
        s.dataRate = dataRate ?? 1000
        s.triggerRate = triggerRate ?? 0
        s.heartbeatInterval = heartbeatInterval
        s.syncs = !noSyncs
        s.batching = boardBatching
        s.startTime = time
        s.seed = seed
        return s
    }

    func validate(replay: String?, rated: Bool) throws {
        guard isBoard else { return }
        if replay != nil { throw ValidationError("board mode (--board, --data-rate, ...) and --replay exclude each other") }
        if rated { throw ValidationError("board mode paces itself (--data-rate, --trigger-rate): no --rate or --byte-rate") }
        if let problem = settings(seed: 1, time: 0)?.problem { throw ValidationError("board mode: \(problem)") }
    }

    static func json(_ c: BoardWordCounts) -> JSONValue {
        .object([("messages", .int(c.messages)), ("data", .int(c.data)), ("trigger", .int(c.trigger)),
                 ("heartbeat", .int(c.heartbeat)), ("sync", .int(c.sync))])
    }

    static func text(_ c: BoardWordCounts) -> String {
        "\(c.messages) messages: \(c.data) data, \(c.trigger) trigger, \(c.heartbeat) heartbeat, \(c.sync) sync words"
    }
}
