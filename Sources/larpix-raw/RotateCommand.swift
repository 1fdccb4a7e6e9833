import ArgumentParser
import LArPixIngest

/// `larpix-raw rotate`: close the daemon's current file and open the next (as SIGHUP does),
/// printing both.
struct RotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Close a running larpix-rawd's current file and start the next (in the same run, the next subrun)."
    )
    @OptionGroup var options: ControlOptions
    func run() throws { try reportingErrors { try options.send(ControlRequest(command: .rotate)) } }
}
