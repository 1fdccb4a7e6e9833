import ArgumentParser
import Foundation
import LArPixRaw

struct WriteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Append messages given as JSON lines to a raw file (creating it if needed).",
        discussion: """
        Reads lines of the form `dump` prints, {"index": i, "io_group": g, "msg": "<hex>"} \
        (index is ignored, io_group is optional and defaults to 0), and appends the messages in \
        order, with the semantics of larpix-control's to_rawfile: a new file gets the requested \
        --version (only 0.0 exists) and --io-version; an existing file must have exactly the \
        requested --version, and an io_version of the same major and at least the requested \
        minor. The whole input is checked before the file is touched: a bad line is reported as \
        PATH:LINE with exit status 3 and nothing is written. Empty input only creates the file \
        or updates meta/modified. Messages are appended in batches, each flushed to disk.
        """
    )

    @Argument(help: "The raw file to create or append to.") var file: String
    @Option(name: .customLong("from-jsonl"), help: ArgumentHelp("JSON-lines input, or - for standard input.", valueName: "path"))
    var fromJSONL: String
    @Option(help: ArgumentHelp("Required file format version (major.minor).", valueName: "v")) var version: String?
    @Option(name: .customLong("io-version"), help: ArgumentHelp("Required message encoding version (major.minor); PACMAN messages are 0.0.", valueName: "v"))
    var ioVersion: String?

    func run() throws {
        try reportingErrors {
            let batch = try readInput()
            let writer: RawFileWriter
            if FileManager.default.fileExists(atPath: file) {
                writer = try RawFileWriter.openForAppend(file, version: version, ioVersion: ioVersion)
            } else {
                var v = FormatVersion.latestFile
                if let version {
                    guard let parsed = FormatVersion(version) else {
                        throw RawFileError.invalidArgument(path: file, reason: "version \"\(version)\" is not major.minor")
                    }
                    v = parsed
                }
                writer = try RawFileWriter.create(file, version: v, ioVersion: ioVersion)
            }
            let before = writer.messageCount
            try batch.bytes.withUnsafeBytes { all in
                var i = 0
                while i < batch.count {
                    // Batches of up to 16384 messages or 32 MiB, each flushed.
                    var j = i
                    while j < batch.count && j - i < 16384 && batch.offsets[j] - batch.offsets[i] < 32 << 20 { j += 1 }
                    let first = i
                    try writer.append(count: j - i) { k in
                        (UnsafeRawBufferPointer(rebasing: all[batch.offsets[first + k]..<batch.offsets[first + k + 1]]), batch.ioGroups[first + k])
                    }
                    try writer.flush()
                    i = j
                }
            }
            let total = writer.messageCount
            try writer.close()
            print("\(file): appended \(total - before) messages (\(batch.bytes.count) bytes); it now holds \(total)")
        }
    }

    private func readInput() throws -> MessageBatch {
        let name = fromJSONL == "-" ? "<stdin>" : fromJSONL
        var fd: Int32 = 0
        if fromJSONL != "-" {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: fromJSONL, isDirectory: &isDir) else { throw RawFileError.notFound(path: fromJSONL) }
            if isDir.boolValue { throw CLIError(subject: fromJSONL, reason: "is a directory, not a jsonl file", exitCode: 11) }
            fd = open(fromJSONL, O_RDONLY)
            guard fd >= 0 else { throw CLIError(subject: fromJSONL, reason: String(cString: strerror(errno)), exitCode: ExitCodes.io) }
        }
        defer { if fd != 0 { close(fd) } }
        do {
            return try JSONLinesReader.read(fd: fd)
        } catch let error as JSONLineError {
            throw CLIError(subject: "\(name):\(error.line)", reason: error.reason, exitCode: ExitCodes.badInput)
        }
    }
}
