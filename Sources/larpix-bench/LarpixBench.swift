import ArgumentParser

/// `larpix-bench`: the measuring tools of the benchmark suite (bench/run.sh drives them). Each
/// prints one JSON object on stdout, so the suite can collect the numbers.
@main
struct LarpixBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "larpix-bench",
        abstract: "Benchmarks of larpix-rawd against its ceilings (driven by bench/run.sh).",
        subcommands: [AppendCommand.self, PublishCommand.self, CountCommand.self, LatencyCommand.self, MakeRawCommand.self, PacketsCommand.self, IngestCommand.self]
    )
}
