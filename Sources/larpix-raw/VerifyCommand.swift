import PACMAN
import ArgumentParser
import Foundation
import LArPixRaw

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every message is a well-formed PACMAN message (io_version 0.0).",
        discussion: """
        Parses every message: a known msg_type (D data, ? request, ! reply), a length of exactly \
        8 + 16 x msg_words bytes, and word types allowed in that message type (D/T/S in data \
        messages; P/W/R/D and E in requests and replies). Prints totals (messages, well-formed, \
        malformed, messages by type, data/trigger/sync/other words) and every malformed message \
        with its index, io_group and reason. Exit status 0 when every message is well formed, 1 \
        when any is not (with one summary line on stderr), or the file error's own status. \
        Streams in blocks, so it works on files larger than RAM.
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @OptionGroup var read: ReadOptions

    struct Malformed {
        var index: Int
        var ioGroup: UInt8
        var bytes: Int
        var reason: String
    }

    func run() throws {
        try reportingErrors {
            let reader = try RawFileReader(path: file)
            defer { try? reader.close() }
            let n = try reader.count(attempts: read.attempts)
            let tally = try Tally(reader: reader, count: n)
            if json { print(tally.json(file: file).rendered()) } else { tally.printText(file: file) }
            if let first = tally.malformed.first {
                throw CLIError(subject: file, reason: "\(tally.malformed.count) of \(n) messages are not well-formed PACMAN messages (first: index \(first.index): \(first.reason))",
                               exitCode: ExitCodes.malformed)
            }
        }
    }

    /// One pass over the messages: what is well-formed, by type and word kind, and what is not.
    struct Tally {
        var messages = 0
        var wellFormed = 0
        var byType: [PacmanMessageType: Int] = [:]
        var dataWords = 0, triggerWords = 0, syncWords = 0, otherWords = 0
        var malformed: [Malformed] = []
        static let types: [(String, PacmanMessageType)] = [("data", .data), ("request", .request), ("reply", .reply)]

        init(reader: RawFileReader, count n: Int) throws(RawFileError) {
            messages = n
            let bar = ProgressBar("verify")
            try reader.forEachBlock(in: 0..<n) { (start, d, g) throws(RawFileError) in
                for i in 0..<d.count {
                    add(UnsafeRawBufferPointer(start: d[i].p, count: d[i].len), index: start + i, ioGroup: g[i])
                }
                bar.update(start + d.count, of: n)
            }
            bar.finish()
        }

        private mutating func add(_ message: UnsafeRawBufferPointer, index: Int, ioGroup: UInt8) {
            switch PacmanMessage.validate(message) {
            case .wellFormed(let s):
                wellFormed += 1
                byType[s.header.type, default: 0] += 1
                dataWords += s.dataWords
                triggerWords += s.triggerWords
                syncWords += s.syncWords
                otherWords += s.otherWords
            case .malformed(let reason):
                malformed.append(Malformed(index: index, ioGroup: ioGroup, bytes: message.count, reason: reason))
            }
        }

        func json(file: String) -> JSONValue {
            .object([
                ("file", .string(file)),
                ("messages", .int(messages)),
                ("well_formed", .int(wellFormed)),
                ("malformed", .int(malformed.count)),
                ("by_type", .object(Self.types.map { ($0.0, .int(byType[$0.1] ?? 0)) })),
                ("data_words", .int(dataWords)),
                ("trigger_words", .int(triggerWords)),
                ("sync_words", .int(syncWords)),
                ("other_words", .int(otherWords)),
                ("malformed_messages", .array(malformed.map {
                    .object([("index", .int($0.index)), ("io_group", .int(Int($0.ioGroup))),
                             ("bytes", .int($0.bytes)), ("reason", .string($0.reason))])
                })),
            ])
        }

        func printText(file: String) {
            var lines: [(String, String)] = [
                ("file", file), ("messages", "\(messages)"), ("well-formed", "\(wellFormed)"), ("malformed", "\(malformed.count)"),
            ]
            for (name, t) in Self.types { lines.append(("\(name) messages", "\(byType[t] ?? 0)")) }
            lines += [("data words", "\(dataWords)"), ("trigger words", "\(triggerWords)"), ("sync words", "\(syncWords)"),
                      ("request/reply words", "\(otherWords)")]
            let width = lines.map(\.0.count).max() ?? 0
            let out = OutputBuffer()
            for (k, v) in lines { out.append(k + ":" + String(repeating: " ", count: width - k.count + 1) + v + "\n") }
            if !malformed.isEmpty {
                out.append("malformed messages:\n")
                for m in malformed {
                    out.append("  index \(m.index) io_group \(m.ioGroup) (\(m.bytes) bytes): \(m.reason)\n")
                    out.flushIfFull()
                }
            }
            out.flush()
        }
    }
}
