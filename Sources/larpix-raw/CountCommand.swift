import ArgumentParser
import LArPixRaw

struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the number of messages in a raw file (just the integer).",
        discussion: "The same number as larpix-control's len_rawfile."
    )

    @Argument(help: "The raw file.") var file: String
    @OptionGroup var read: ReadOptions

    func run() throws {
        try reportingErrors {
            let n = try RawFile.count(file, attempts: read.attempts)
            let out = OutputBuffer()
            out.append(int: n)
            out.append(byte: 0x0A)
            out.flush()
        }
    }
}
