import ArgumentParser
import CBenchCeilings
import Foundation

/// The C publisher: the ZeroMQ ceiling's sender, and the stamped sender of the latency run.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish single-frame PACMAN data messages from plain C (round robin over the endpoints).")

    @Option(name: .customLong("endpoint"), help: "Endpoint to bind (repeat for several PUB sockets).") var endpoints: [String]
    @Option(help: "Words per message (8 + 16 x words bytes).") var words: Int = 64
    @Option(help: "Messages to send in total.") var count: Int
    @Option(help: "Messages per second in total (0: as fast as possible).") var rate: Double = 0
    @Option(help: "Seconds to wait for subscribers before the first message.") var startDelay: Double = 1
    @Option(help: "Send high-water mark per socket (the dataserver uses 100).") var hwm: Int = 100
    @Flag(help: "Block on a full queue instead of dropping (and counting) like a dataserver.") var block = false
    @Flag(help: "Write CLOCK_REALTIME nanoseconds at byte 16 of each message (latency runs).") var stamp = false

    func run() throws {
        var sent = 0, dropped = 0, started = 0.0, seconds = 0.0
        try withCStrings(endpoints) { eps in
            try callC("publish") { err, cap in
                lrp_bench_zmq_publish(eps, Int32(endpoints.count), 8 + 16 * words, count, rate, startDelay,
                                      Int32(hwm), block ? 1 : 0, stamp ? 1 : 0, &sent, &dropped, &started, &seconds, err, cap)
            }
        }
        printJSON(["messages": sent, "dropped": dropped, "started": MonotonicTime(seconds: started), "seconds": seconds,
                   "msg_per_s": Double(sent) / max(seconds, 1e-9)])
    }
}

/// The ZeroMQ ceiling's receiver: a SUB per endpoint that only counts.
struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Subscribe and only count messages (the ZeroMQ loopback ceiling).")

    @Option(name: .customLong("endpoint"), help: "Endpoint to connect (repeat for several SUB sockets).") var endpoints: [String]
    @Option(help: "Stop once this many arrived (0: only on the idle timeout).") var expected: Int = 0
    @Option(help: "ZMQ_RCVHWM per socket (the daemon's default is 1000).") var rcvhwm: Int = 1000
    @Option(help: "Seconds to wait for the first message.") var firstTimeout: Double = 10
    @Option(help: "Seconds without a message that end the count.") var idleTimeout: Double = 1

    func run() throws {
        var messages = 0, bytes = 0, seconds = 0.0
        try withCStrings(endpoints) { eps in
            try callC("count") { err, cap in
                lrp_bench_zmq_count(eps, Int32(endpoints.count), expected, Int32(rcvhwm), firstTimeout, idleTimeout,
                                    &messages, &bytes, &seconds, err, cap)
            }
        }
        let rate = messages > 1 ? Double(messages - 1) / max(seconds, 1e-9) : 0
        printJSON(["messages": messages, "bytes": bytes, "seconds": seconds, "msg_per_s": rate,
                   "mb_per_s": messages > 0 ? rate * Double(bytes) / Double(messages) / 1e6 : 0])
    }
}
