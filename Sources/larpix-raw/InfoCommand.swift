import PACMAN
import ArgumentParser
import Foundation
import LArPixRaw

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a raw file: versions, times, message counts and sizes, io_groups, PACMAN times.",
        discussion: """
        Reads every message once, in blocks (memory stays flat on files larger than RAM). \
        Times are ISO-8601 in UTC with microseconds, followed by the raw value. The first and \
        last msg_time are those of the first and last messages (in file order) that are \
        well-formed PACMAN messages. "SWMR writer mark" is the superblock flag a SWMR writer sets \
        while it has the file open; it stays set when the writer crashed (see `clear`).
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @OptionGroup var read: ReadOptions

    func run() throws {
        try reportingErrors {
            let marked = SuperblockFlags.isMarkedOpenForWriting(file)
            let reader = try RawFileReader(path: file)
            defer { try? reader.close() }
            let md = reader.metadata
            let n = try reader.count(attempts: read.attempts)
            var perGroup = [Int](repeating: 0, count: 256)
            var totalBytes = 0
            var minBytes = Int.max, maxBytes = 0
            var firstTime: UInt32? = nil, lastTime: UInt32? = nil
            var parsed = 0
            let bar = ProgressBar("info")
            try reader.forEachBlock(in: 0..<n) { (start, d, g) throws(RawFileError) in
                for i in 0..<d.count {
                    let len = d[i].len
                    totalBytes += len
                    minBytes = min(minBytes, len)
                    maxBytes = max(maxBytes, len)
                    perGroup[Int(g[i])] += 1
                    if let t = PacmanSupport.headerTime(UnsafeRawBufferPointer(start: d[i].p, count: len)) {
                        if firstTime == nil { firstTime = t }
                        lastTime = t
                        parsed += 1
                    }
                }
                bar.update(start + d.count, of: n)
            }
            bar.finish()
            let size = fileSize(file) ?? 0
            let groups = perGroup.enumerated().filter { $0.element > 0 }

            if json {
                func time(_ t: UInt32?) -> JSONValue {
                    guard let t else { return .null }
                    return .object([("iso", .string(isoTime(Double(t)))), ("raw", .int(Int(t)))])
                }
                let obj: JSONValue = .object([
                    ("file", .string(file)),
                    ("file_size", .int(size)),
                    ("version", .string(md.version)),
                    ("io_version", md.ioVersion.map { .string($0) } ?? .null),
                    ("created", .object([("iso", .string(isoTime(md.created))), ("raw", .double(md.created))])),
                    ("modified", .object([("iso", .string(isoTime(md.modified))), ("raw", .double(md.modified))])),
                    ("messages", .int(n)),
                    ("message_bytes", .int(totalBytes)),
                    ("smallest_message", .int(n > 0 ? minBytes : 0)),
                    ("largest_message", .int(maxBytes)),
                    ("io_groups", .object(groups.map { (String($0.offset), .int($0.element)) })),
                    ("pacman_messages", .int(parsed)),
                    ("first_msg_time", time(firstTime)),
                    ("last_msg_time", time(lastTime)),
                    ("swmr_writer_mark", .bool(marked)),
                ])
                print(obj.rendered())
                return
            }
            var lines: [(String, String)] = [
                ("file", file),
                ("file size", humanBytes(size)),
                ("version", md.version),
                ("io_version", md.ioVersion ?? "(none)"),
                ("created", "\(isoTime(md.created)) (\(md.created))"),
                ("modified", "\(isoTime(md.modified)) (\(md.modified))"),
                ("messages", "\(n)"),
                ("message bytes", humanBytes(totalBytes) + (n > 0 ? ", \(minBytes) to \(maxBytes) per message" : "")),
            ]
            if groups.isEmpty {
                lines.append(("io_groups", "(none)"))
            } else {
                for (g, c) in groups { lines.append(("io_group \(g)", "\(c) messages")) }
            }
            lines.append(("PACMAN messages", "\(parsed) well-formed of \(n)"))
            lines.append(("first msg_time", firstTime.map { "\(isoTime(Double($0))) (\($0))" } ?? "(none)"))
            lines.append(("last msg_time", lastTime.map { "\(isoTime(Double($0))) (\($0))" } ?? "(none)"))
            lines.append(("SWMR writer mark", marked ? "set (a writer has the file open, or crashed; see `larpix-raw clear`)" : "not set"))
            let width = lines.map(\.0.count).max() ?? 0
            var text = ""
            for (k, v) in lines { text += k + ":" + String(repeating: " ", count: width - k.count + 1) + v + "\n" }
            print(text, terminator: "")
        }
    }
}
