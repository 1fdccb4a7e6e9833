import ArgumentParser
import Foundation
import LArPixPackets
import LArPixRaw

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert raw files into one larpix-control packet file (format 2.4), as convert_rawhdf5_to_hdf5.py does.",
        discussion: """
        The output's packets rows are those larpix-control 3.7.0's convert_rawhdf5_to_hdf5.py \
        writes for each input in turn: a timestamp row per message, then a row per data, trigger, \
        sync or tx word (docs/PACKETS.md). Inputs are read in blocks (memory stays flat); a raw \
        file still being written, or left by a killed writer, converts up to its last complete row. \
        A message larpix-control fails on (too short, unknown message or word type, a partial last \
        word, a tx word it cannot store) is skipped and counted, and the first few are named on \
        stderr; with --strict the first one stops the conversion (exit 25; the rows before it are \
        kept). The output must not exist (exit 18) unless --force (replace) or --append (add to an \
        existing 2.4 packet file) is given. --follow converts one raw file while its writer appends \
        to it and finishes once the writer has closed it; the packet file is then written in SWMR \
        mode and flushed after each poll that added rows (at most every --flush-interval seconds), so \
        h5py readers (swmr=True) can poll it. \
        --json prints a summary on stdout.
        """
    )

    @Argument(help: ArgumentHelp("Raw files to convert, in order.", valueName: "raw")) var inputs: [String]
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The packet file to write.", valueName: "packets")) var output: String
    @Flag(help: "Stop at the first message larpix-control cannot convert (exit 25).") var strict = false
    @Flag(help: "Add to an existing packet file.") var append = false
    @Flag(help: "Replace the output if it exists.") var force = false
    @Flag(help: "Convert one raw file while it is written, until its writer closes it.") var follow = false
    @Option(help: ArgumentHelp("--follow: seconds between polls of the raw file.", valueName: "seconds")) var interval: Double = 0.1
    @Option(help: ArgumentHelp("--follow: least seconds between flushes of the packet file (one after each poll that added rows).", valueName: "seconds")) var flushInterval: Double = 0.1
    @Flag(help: "Print a JSON summary on stdout.") var json = false
    @Flag(name: .customLong("complete-only"),
          help: "Write under a hidden name, fsync, and give the output its name only when complete (never replacing a file); one closed raw file (the daemon's packets: step).")
    var completeOnly = false

    /// Skipped messages named on stderr, at most.
    static let namedSkips = 5

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one raw file") }
        if append && force { throw ValidationError("give --append or --force, not both") }
        if follow && inputs.count != 1 { throw ValidationError("--follow converts exactly one raw file") }
        if completeOnly && (inputs.count != 1 || follow || append || force || strict) {
            throw ValidationError("--complete-only converts exactly one closed raw file, without --follow, --append, --force or --strict")
        }
        if !(interval > 0 && interval <= 3600) { throw ValidationError("--interval must be in (0, 3600] seconds") }
        if !(flushInterval >= 0 && flushInterval <= 3600) { throw ValidationError("--flush-interval must be in [0, 3600] seconds") }
    }

    func run() throws {
        ProcessHeap.keepLargeFreedBlocks()
        try reportingErrors {
            do {
                let skips = SkipReporter(limit: Self.namedSkips)
                let summary = completeOnly ? try PacketConverter.convertClosedFile(raw: inputs[0], to: output)
                    : follow ? try runFollowing(skips) : try runBatch(skips)
                skips.finish(summary)
                if json { print(Self.summaryJSON(summary).rendered()) }
            } catch let e as PacketConversionError {
                printError(e.description)
                throw ExitCode(e.exitCode)
            }
        }
    }

    private var mode: PacketConverter.OutputMode { append ? .append : force ? .replace : .create }

    private func runBatch(_ skips: SkipReporter) throws -> ConversionSummary {
        let bar = ConvertProgress()
        defer { bar.finish() }
        return try PacketConverter.convert(inputs, to: output, mode: mode, options: .init(strict: strict),
                                           onSkip: skips.report, progress: bar.update)
    }

    /// Like `follow --until-closed`: look at the writer's mark before each round of polls; once
    /// it is gone, a final read with a fresh reader takes everything.
    private func runFollowing(_ skips: SkipReporter) throws -> ConversionSummary {
        let stop = StopSignal.shared
        stop.install()
        let live = try LivePacketConverter(raw: inputs[0], output: output, mode: mode, strict: strict,
                                           flushInterval: flushInterval, onSkip: skips.report)
        let bar = ConvertProgress()
        defer { bar.finish() }
        var failures = 0
        while !stop.stopRequested {
            let closed = live.writerHasClosed
            do {
                while try live.poll() > 0 && !stop.stopRequested {
                    bar.update(live.decoder.messages, 0, live.rowsWritten)
                }
                try live.flushIfDue()
                failures = 0
            } catch {
                failures += 1
                if Self.endsFollow(error, writerClosed: closed, failures: failures) { live.abandon(); throw error }
            }
            if closed { break }
            if stop.wait(seconds: interval) { break }
        }
        return try live.finish()
    }

    /// Read errors are retried (up to 100 polls in a row) while the writer has the file open;
    /// anything else, or any error once it has closed it, ends the command.
    static func endsFollow(_ error: PacketConversionError, writerClosed: Bool, failures: Int) -> Bool {
        guard case .raw(let r) = error else { return true }
        return writerClosed || r.isFatalForFollow || failures >= 100
    }

    static func summaryJSON(_ s: ConversionSummary) -> JSONValue {
        .object([
            ("inputs", .array(s.inputs.map { .string($0) })),
            ("output", .string(s.output)),
            ("messages", .int(s.messages)),
            ("converted_messages", .int(s.convertedMessages)),
            ("packets", .int(s.packets.total)),
            ("packets_by_type", .object(PacketType.allCases.compactMap { t in
                let n = s.packets.byType[Int(t.rawValue)]
                return n > 0 ? (t.name, .int(n)) : nil
            })),
            ("io_groups", .object(s.ioGroups.keys.sorted().map { ("\($0)", .int(s.ioGroups[$0] ?? 0)) })),
            ("skipped", .int(s.skippedTotal)),
            ("skipped_by_reason", .object(s.skipped.keys.sorted().map { ($0.rawValue, .int(s.skipped[$0] ?? 0)) })),
            ("word_count_mismatches", .int(s.wordCountMismatches)),
            ("rows_before", .int(s.rowsBefore)),
            ("rows_after", .int(s.rowsAfter)),
            ("message_bytes", .int(s.bytes)),
            ("seconds", .double((s.seconds * 1e6).rounded() / 1e6)),
        ])
    }
}

extension RawFileError {
    /// Errors no amount of waiting for the writer fixes.
    var isFatalForFollow: Bool {
        switch self {
        case .isDirectory, .notHDF5, .versionRefused, .newerHDF5Format, .invalidArgument, .notFound, .notRawLayout: true
        default: false
        }
    }
}

/// Names the first few skipped messages on stderr and, at the end, the counts by reason.
final class SkipReporter {
    let limit: Int
    private var named = 0
    init(limit: Int) { self.limit = limit }

    func report(_ m: SkippedMessage) {
        guard named < limit else { return }
        named += 1
        printNote(m.description)
    }

    func finish(_ s: ConversionSummary) {
        guard s.skippedTotal > 0 else { return }
        let reasons = s.skipped.keys.sorted().map { "\($0.rawValue) \(s.skipped[$0] ?? 0)" }.joined(separator: ", ")
        printNote("skipped \(s.skippedTotal) of \(s.messages) messages (\(reasons))")
    }
}

/// The progress line on a terminal: messages (of the total, when known), packets/s, ETA.
final class ConvertProgress {
    private let bar = ProgressBar("convert")
    private let started = ContinuousClock.now
    private var last: ContinuousClock.Instant?

    func update(_ done: Int, _ total: Int, _ packets: Int) {
        let now = ContinuousClock.now
        guard last.map({ now - $0 >= .milliseconds(100) }) ?? true || (total > 0 && done >= total) else { return }
        last = now
        let elapsed = max(1e-9, (now - started) / .seconds(1))
        var text = total > 0 ? "\(done)/\(total) messages" : "\(done) messages"
        text += String(format: ", %.0f packets/s", Double(packets) / elapsed)
        if total > 0 && done > 0 && done < total {
            text += String(format: ", eta %.0fs", elapsed * Double(total - done) / Double(done))
        }
        bar.status(text)
    }

    func finish() { bar.finish() }
}
