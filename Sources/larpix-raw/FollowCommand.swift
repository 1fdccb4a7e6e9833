import ArgumentParser
import Foundation
import LArPixRaw

struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Print every message appended to a raw file as it appears (like tail -f).",
        discussion: """
        Polls the file every --interval seconds in SWMR-read mode and prints each new complete \
        message as a JSON line, {"index": i, "io_group": g, "msg": "<hex>"}, flushed after every \
        poll. A live SWMR writer makes some reads fail (FORMAT.md section 3); the follower reopens \
        the file and carries on from the last message printed, so nothing is skipped or repeated. \
        Other read errors are retried while a writer has the file open (up to --max-failures \
        consecutive polls) before giving up with the error's exit status. --from N starts at message N (negative counts from \
        the end); --from-end prints only messages appended from now on. With --until-closed it \
        exits 0 once the writer has closed the file (its SWMR mark is gone) and a final read has \
        printed everything; that suits writers that keep the file open (larpix-rawd, any SWMR \
        writer), not larpix-control's to_rawfile, which closes the file between batches. \
        SIGINT or SIGTERM stops it cleanly (exit 0) after flushing.
        """
    )

    @Argument(help: "The raw file.") var file: String
    @Option(parsing: .unconditional, help: ArgumentHelp("First message to print (negative counts from the end).", valueName: "n"))
    var from: Int?
    @Flag(help: "Print only messages appended from now on.") var fromEnd = false
    @Flag(help: "Exit once the writer has closed the file and everything is printed.") var untilClosed = false
    @Option(help: ArgumentHelp("Seconds between polls.", valueName: "seconds")) var interval: Double = 0.1
    @Option(help: ArgumentHelp("Give up after this many consecutive failed polls (transient SWMR failures do not count).", valueName: "n"))
    var maxFailures: Int = 100

    func validate() throws {
        if from != nil && fromEnd { throw ValidationError("give --from or --from-end, not both") }
        if !(interval > 0 && interval <= 3600) { throw ValidationError("--interval must be in (0, 3600] seconds") }
        if maxFailures < 1 { throw ValidationError("--max-failures must be at least 1") }
    }

    /// Errors that no amount of retrying fixes.
    private static func isFatal(_ e: RawFileError) -> Bool {
        switch e {
        case .isDirectory, .notHDF5, .versionRefused, .newerHDF5Format, .invalidArgument, .notFound: return true
        default: return false
        }
    }

    /// Whether an error ends the command at once: errors retrying cannot fix, and any error that
    /// is not a known transient SWMR failure when no writer has the file open (nothing will change).
    private func giveUp(_ error: Error) -> Bool {
        guard let e = error as? RawFileError else { return true }
        if Self.isFatal(e) { return true }
        return !e.isTransientForReader && !SuperblockFlags.isMarkedOpenForWriting(file)
    }

    func run() throws {
        try reportingErrors { try follow() }
    }

    private func follow() throws {
        let stop = StopSignal.shared
        stop.install()
        let follower = RawFileFollower(path: file, startIndex: try startIndex(stop))
        defer { follower.close() }
        let printer = Printer(lines: MessageLines(out: OutputBuffer(), jsonl: true))
        var failures = 0
        while !stop.stopRequested {
            // Look at the mark before reading, so that a read after it was seen cleared is complete.
            let closed = untilClosed && follower.writerHasClosed
            do {
                while try printer.poll(follower) > 0 && !stop.stopRequested {}
                failures = 0
            } catch let e as RawFileError where !giveUp(e) {
                failures += 1
                follower.close()
                if failures >= maxFailures { throw e }
                if stop.wait(seconds: interval) { break }
                continue
            }
            if closed {
                // Final read with a fresh reader (the old one trusts an end of allocation from
                // before the writer's last flush); repeat until a read is clean.
                follower.close()
                var finalFailures = 0
                while !stop.stopRequested {
                    let retriesBefore = follower.retries
                    let n = try printer.poll(follower)
                    if n == 0 && follower.retries == retriesBefore { return }
                    if follower.retries != retriesBefore {
                        finalFailures += 1
                        if finalFailures >= maxFailures {
                            throw CLIError(subject: file, reason: "reads kept failing after the writer closed the file", exitCode: 21)
                        }
                        _ = stop.wait(seconds: interval)
                    }
                }
                return
            }
            if stop.wait(seconds: interval) { break }
        }
    }

    /// Prints what a poll delivers and flushes it.
    private final class Printer {
        let lines: MessageLines
        init(lines: MessageLines) { self.lines = lines }

        func poll(_ follower: RawFileFollower) throws -> Int {
            defer { lines.out.flush() }
            return try follower.poll { i, bytes, g in lines.line(i, g, bytes) }
        }
    }

    /// Where to start: --from (Python-style negative allowed), --from-end, or 0. Reading the
    /// count opens the file, so a path that is no raw file fails here at once.
    private func startIndex(_ stop: StopSignal) throws -> Int {
        var failures = 0
        while true {
            do {
                let reader = try RawFileReader(path: file)
                defer { try? reader.close() }
                if from == nil && !fromEnd { return 0 }
                if let from, from >= 0 { return from }
                let n = try reader.count(attempts: 200)
                return fromEnd ? n : max(0, n + (from ?? 0))
            } catch {
                failures += 1
                if giveUp(error) || failures >= maxFailures || stop.wait(seconds: interval) { throw error }
            }
        }
    }
}
