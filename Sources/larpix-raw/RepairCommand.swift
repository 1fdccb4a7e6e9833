import ArgumentParser
import Foundation
import LArPixRaw

struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Make a file a dead writer left behind whole again (clear, plus what clear does not fix).",
        discussion: """
        `clear` only removes the SWMR writer mark. A writer that died (kill -9, power loss, a \
        write that failed on a full disk) can also leave the superblock's end of allocation \
        behind the objects it wrote (HDF5 then fails with "addr overflow" when the file is \
        opened for writing) or ahead of the file's end ("truncated file" without SWMR reading), \
        and /msgs one append ahead of /msg_headers. repair clears the mark, sets the end of \
        allocation to the file's size (or extends the file to it), like `h5clear -s \
        --increment=0`, and trims both datasets to the rows both hold (or to --messages N). \
        Every message both datasets held stays. It refuses a file a running process has open \
        (--force skips that check). --dry-run prints what it would do. Prints one line, or a \
        JSON object with --json.
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Option(help: ArgumentHelp("Keep only the first N messages.", valueName: "n")) var messages: Int?
    @Flag(help: "Repair even if a process seems to have the file open.") var force = false
    @Flag(help: "Only report what would be done.") var dryRun = false
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        if let messages, messages < 0 { throw ValidationError("--messages must not be negative") }
    }

    func run() throws {
        try reportingErrors {
            if !dryRun && !force, FileManager.default.fileExists(atPath: file), let holder = processHolding(file) {
                throw CLIError(subject: file, reason: "process \(holder) has the file open (a live writer?); not repairing it (--force repairs anyway)",
                               exitCode: RawFileError.openForWriting(path: file).exitCode)
            }
            let r = try RawFileRepair.repair(file, keepMessages: messages, dryRun: dryRun)
            var kept = min(r.messages, r.headers)
            if let t = r.trimmedTo { kept = t }
            if !dryRun { kept = try RawFile.count(file) }
            if json {
                print(JSONValue.object([
                    ("file", .string(file)),
                    ("dry_run", .bool(dryRun)),
                    ("writer_mark", .bool(r.flags != 0)),
                    ("stored_end_of_allocation", .int(r.storedEndOfAllocation)),
                    ("file_size", .int(r.fileSize)),
                    ("new_end_of_allocation", r.newEndOfAllocation.map { .int($0) } ?? .null),
                    ("msgs", .int(r.messages)),
                    ("msg_headers", .int(r.headers)),
                    ("trimmed_to", r.trimmedTo.map { .int($0) } ?? .null),
                    ("messages", .int(kept)),
                ]).rendered(pretty: false))
                return
            }
            var fixes: [String] = []
            if r.flags != 0 { fixes.append("cleared the SWMR writer mark (flags 0x\(String(r.flags, radix: 16)))") }
            if let e = r.newEndOfAllocation {
                fixes.append("end of allocation \(r.storedEndOfAllocation) -> \(e) (file size \(r.fileSize))")
            }
            if let t = r.trimmedTo { fixes.append("trimmed msgs \(r.messages) / msg_headers \(r.headers) to \(t) rows") }
            let verb = dryRun ? "would do: " : ""
            print("\(file): " + (fixes.isEmpty ? "nothing to repair" : verb + fixes.joined(separator: "; ")) + "; \(kept) messages readable")
        }
    }
}
