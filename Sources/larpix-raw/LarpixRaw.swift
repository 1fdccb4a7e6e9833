import ArgumentParser
import Foundation

/// `larpix-raw`: inspect, check, build, reshape and follow LArPix raw HDF5 files, and emulate a
/// PACMAN board. Every failure is one line on stderr, `larpix-raw: <file>: <reason>`, and an exit
/// status that says which kind of failure it was (see `larpix-raw help` / the discussion below).
@main
struct LarpixRaw: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "larpix-raw",
        abstract: "Inspect, verify, write, merge, split and follow LArPix raw HDF5 files; emulate a PACMAN board; summarize a running daemon.",
        discussion: """
        Files are the LArPix raw format v0.0 (larpix-control's rawhdf5format): /meta with version, \
        io_version, created and modified; /msgs, one raw PACMAN message per row; /msg_headers with \
        the io_group of each row. Reads open the file in SWMR-read mode with HDF5 file locking off, \
        so files still being written can be inspected.

        Errors print one line on stderr, "larpix-raw: <file>: <reason>", and exit with:
          0   success
          1   verify: some message is not a well-formed PACMAN message
          2   usage error (bad option or argument value)
          3   bad input data (a jsonl line that is not a message)
          4   cannot write standard output (or other I/O outside a raw file)
          10  no such file
          11  is a directory
          12  not an HDF5 file
          13  HDF5, but not the LArPix raw layout
          14  msgs and msg_headers differ in length (append in progress?)
          15  version or io_version refused by the version rules
          16  written in a newer HDF5 file format than this build reads
          17  bad message headers
          18  output exists (use --force where offered)
          19  cannot write the path
          20  marked open by a SWMR writer (live, or crashed: see `clear`)
          21  other HDF5 failure
          22  ZeroMQ endpoint unusable (publish)
          23  status: nothing answers at the metrics endpoint (daemon not running?)
          24  status: the endpoint answers, but not with larpix-rawd metrics
          25  convert --strict: a message larpix-control cannot convert
          26  run/rotate: no daemon listening at the control endpoint
          27  run start: a run is already started
          28  run stop: no run to stop
          29  run start: bad run number, subrun or data stream
          30  run/rotate: any other refusal (paused, stopping, unauthorized) or a bad reply
        """,
        subcommands: [
            InfoCommand.self, CountCommand.self, DumpCommand.self, VerifyCommand.self, WriteCommand.self,
            MergeCommand.self, SplitCommand.self, FollowCommand.self, ConvertCommand.self, ClearCommand.self, RepairCommand.self, PublishCommand.self,
            StatusCommand.self, KeygenCommand.self, RunCommand.self, RotateCommand.self,
        ]
    )

    /// Like ArgumentParser's own `main`, but usage errors exit 2 (not EX_USAGE) and start with
    /// the tool's name.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                var text = fullMessage(for: error)
                if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
                FileHandle.standardError.write(Data(("larpix-raw: " + text + (text.hasSuffix("\n") ? "" : "\n")).utf8))
                Foundation.exit(ExitCodes.usage)
            }
            exit(withError: error)
        }
    }
}
