import ArgumentParser
import Foundation
import LArPixRaw

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Concatenate raw files, in the order given, into a new file.",
        discussion: """
        Like larpix-control's raw_hdf5_tool.py merge: the output keeps the first input's \
        created, modified, version and io_version, and inputs whose version or io_version differ \
        from the first's are refused (exit 15) before anything is written. Message bytes pass \
        through unchanged, in blocks, so memory stays flat. The output must not exist unless \
        --force is given (and it may never be one of the inputs).
        """
    )

    @Argument(help: ArgumentHelp("Raw files to merge, in order.", valueName: "in")) var inputs: [String]
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The merged file to create.", valueName: "out")) var output: String
    @Flag(help: "Replace the output if it exists.") var force = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input file") }
    }

    func run() throws {
        try reportingErrors {
            let bar = ProgressBar("merge")
            let n = try RawFileTools.merge(inputs, into: output, overwrite: force) { done, total in bar.update(done, of: total) }
            bar.finish()
            print("\(output): merged \(n) messages from \(inputs.count) file\(inputs.count == 1 ? "" : "s")")
        }
    }
}
