import ArgumentParser
import Foundation
import LArPixIngest

/// `larpix-raw run start|stop|status`: run control of a running larpix-rawd over its control
/// endpoint. Each command is carried out by the daemon's writer between two batches.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start or stop a run in a running larpix-rawd, or show its run state.",
        discussion: """
        start closes the current file and opens one tagged with the run (/meta run, subrun, \
        data_stream); stop closes the run's last file and goes on with untagged files, or pauses \
        (run.after_stop). Each prints the file closed and the file opened. Exit codes: 26 no \
        daemon at the control endpoint, 27 a run is already started, 28 no run to stop, 29 bad \
        run number, subrun or data stream, 30 any other refusal or a bad reply.
        """,
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a run: close the current file, open one tagged with the run.")
        @Option(name: .customLong("run"), help: "The run number (1-2147483647).") var runNumber: String
        @Option(help: "The first subrun (default 1; each next file +1 unless run.subrun_policy is fixed).") var subrun: String?
        @Option(help: "The data stream (default: run.data_stream, \"commissioning\").") var dataStream: String?
        @OptionGroup var options: ControlOptions

        func run() throws {
            try reportingErrors {
                let n: Int
                switch RunValues.parseRun(runNumber) {
                case .success(let v): n = v
                case .failure(let p): throw CLIError(subject: "--run", reason: p.description, exitCode: ExitCodes.badRun)
                }
                var sub: Int?
                if let s = subrun {
                    guard let v = Int(s), RunValues.subrunProblem(v) == nil else {
                        throw CLIError(subject: "--subrun", reason: "subrun \"\(s)\" is not an integer in 0-\(RunValues.subruns.upperBound)", exitCode: ExitCodes.badRun)
                    }
                    sub = v
                }
                if let d = dataStream, let p = RunValues.dataStreamProblem(d) {
                    throw CLIError(subject: "--data-stream", reason: p, exitCode: ExitCodes.badRun)
                }
                try options.send(ControlRequest(command: .startRun, run: n, subrun: sub, dataStream: dataStream))
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the run: close its last file; then untagged files or a pause.")
        @OptionGroup var options: ControlOptions
        func run() throws { try reportingErrors { try options.send(ControlRequest(command: .stopRun)) } }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the run state and the file being written.")
        @OptionGroup var options: ControlOptions
        func run() throws { try reportingErrors { try options.send(ControlRequest(command: .status)) } }
    }
}
