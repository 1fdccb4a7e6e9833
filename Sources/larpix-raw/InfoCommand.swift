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
            let summary = try Summary(reader: reader, count: try reader.count(attempts: read.attempts))
            if json { print(summary.json(file: file, size: fileSize(file) ?? 0, marked: marked).rendered()) } else {
                print(summary.text(file: file, size: fileSize(file) ?? 0, marked: marked), terminator: "")
            }
        }
    }

    /// What one pass over the messages finds.
    struct Summary {
        var metadata: RawFileMetadata
        var messages = 0
        var perGroup = [Int](repeating: 0, count: 256)
        var totalBytes = 0
        var minBytes = Int.max, maxBytes = 0
        var firstTime: UInt32?, lastTime: UInt32?
        var parsed = 0

        init(reader: RawFileReader, count n: Int) throws(RawFileError) {
            metadata = reader.metadata
            messages = n
            let bar = ProgressBar("info")
            try reader.forEachBlock(in: 0..<n) { (start, d, g) throws(RawFileError) in
                for i in 0..<d.count { add(UnsafeRawBufferPointer(start: d[i].p, count: d[i].len), ioGroup: g[i]) }
                bar.update(start + d.count, of: n)
            }
            bar.finish()
        }

        private mutating func add(_ message: UnsafeRawBufferPointer, ioGroup: UInt8) {
            totalBytes += message.count
            minBytes = min(minBytes, message.count)
            maxBytes = max(maxBytes, message.count)
            perGroup[Int(ioGroup)] += 1
            if let t = PacmanSupport.headerTime(message) {
                if firstTime == nil { firstTime = t }
                lastTime = t
                parsed += 1
            }
        }

        var groups: [(offset: Int, element: Int)] { perGroup.enumerated().filter { $0.element > 0 }.map { ($0.offset, $0.element) } }

        func json(file: String, size: Int, marked: Bool) -> JSONValue {
            func time(_ t: UInt32?) -> JSONValue {
                guard let t else { return .null }
                return .object([("iso", .string(isoTime(Double(t)))), ("raw", .int(Int(t)))])
            }
            let md = metadata, n = messages
            var pairs: [(String, JSONValue)] = [
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
            ]
            // Only a file written during a run has /meta run, subrun and data_stream.
            if let r = md.run {
                pairs.insert(("run", .object([("run", .int(r.run)), ("subrun", .int(r.subrun)), ("data_stream", .string(r.dataStream))])), at: 4)
            }
            return .object(pairs)
        }

        func text(file: String, size: Int, marked: Bool) -> String {
            let md = metadata, n = messages
            var lines: [(String, String)] = [
                ("file", file),
                ("file size", humanBytes(size)),
                ("version", md.version),
                ("io_version", md.ioVersion ?? "(none)"),
                ("run", md.run.map { "\($0.run), subrun \($0.subrun), data_stream \($0.dataStream)" } ?? "(none)"),
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
            return text
        }
    }
}
