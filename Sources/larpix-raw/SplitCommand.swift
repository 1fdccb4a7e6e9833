import ArgumentParser
import Foundation
import LArPixRaw

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a raw file into parts of at most --max-bytes of message bytes.",
        discussion: """
        Like larpix-control's raw_hdf5_tool.py split: IN (NAME.h5) becomes DIR/NAME.0.h5, \
        NAME.1.h5, …; a new part starts before a message would take the current part's message \
        bytes past the limit (a part always holds at least one message, so a single larger \
        message gets a part of its own; 0 means no limit). Every part keeps the input's metadata. \
        Sizes accept k, M, G (powers of 1000) and KiB, MiB, GiB (powers of 1024). DIR is created \
        if missing; existing parts are never overwritten (exit 18). Prints each part with its \
        message count and size on disk.
        """
    )

    @Argument(help: ArgumentHelp("The raw file to split.", valueName: "in")) var input: String
    @Option(help: ArgumentHelp("Most message bytes per part, e.g. 100M or 1GiB.", valueName: "size")) var maxBytes: ByteSize
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Directory for the parts.", valueName: "dir")) var output: String

    func run() throws {
        try reportingErrors {
            // Refuse a bad input before creating the directory.
            try RawFileReader(path: input).close()
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: output, isDirectory: &isDir) {
                do {
                    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                } catch {
                    throw RawFileError.notWritable(path: output, reason: "cannot create the output directory")
                }
            } else if !isDir.boolValue {
                throw RawFileError.notWritable(path: output, reason: "not a directory")
            }
            let bar = ProgressBar("split")
            let parts = try RawFileTools.split(input, maxBytes: maxBytes.bytes, into: output) { done, total in bar.update(done, of: total) }
            bar.finish()
            var text = ""
            for p in parts {
                let n = try RawFile.count(p)
                text += "\(p): \(n) messages, \(fileSize(p) ?? 0) bytes on disk\n"
            }
            print(text, terminator: "")
        }
    }
}
