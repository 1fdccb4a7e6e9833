import ArgumentParser
import LArPixRaw

enum DumpFormat: String, ExpressibleByArgument, CaseIterable {
    case jsonl, hex
}

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print messages, one per line, as JSON lines or hex.",
        discussion: """
        jsonl (the default) prints {"index": i, "io_group": g, "msg": "<lowercase hex>"} per \
        message, the form `write --from-jsonl` reads back; hex prints "i g hex". \
        --headers-only leaves out the message bytes. --start/--end are Python slice bounds: \
        negative values count from the end, out-of-range values are clamped (--start -10 prints \
        the last ten messages). Streams in blocks, so it works on files larger than RAM.
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Option(parsing: .unconditional, help: ArgumentHelp("First message (Python slice start; negative counts from the end).", valueName: "n"))
    var start: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop before this message (Python slice end; negative counts from the end).", valueName: "n"))
    var end: Int?
    @Flag(help: "Print only index and io_group.") var headersOnly = false
    @Option(help: "Output format.") var format: DumpFormat = .jsonl
    @OptionGroup var read: ReadOptions

    func run() throws {
        try reportingErrors {
            let reader = try RawFileReader(path: file)
            defer { try? reader.close() }
            let n = try reader.count(attempts: read.attempts)
            let range = RawFile.sliceRange(start: start, end: end, count: n)
            let out = OutputBuffer()
            let bar = ProgressBar("dump", needsQuietStdout: true)
            let line = MessageLines(out: out, jsonl: format == .jsonl).line
            if headersOnly {
                var i = range.lowerBound
                while i < range.upperBound {
                    let k = min(1 << 16, range.upperBound - i)
                    let groups = try reader.readIOGroups(start: i, count: k)
                    for j in 0..<k { line(i + j, groups[j], nil) }
                    i += k
                    bar.update(i - range.lowerBound, of: range.count)
                }
            } else {
                try reader.forEachBlock(in: range) { (first, d, g) throws(RawFileError) in
                    for j in 0..<d.count {
                        line(first + j, g[j], UnsafeRawBufferPointer(start: d[j].p, count: d[j].len))
                    }
                    bar.update(first + d.count - range.lowerBound, of: range.count)
                }
            }
            bar.finish()
            out.flush()
        }
    }
}
