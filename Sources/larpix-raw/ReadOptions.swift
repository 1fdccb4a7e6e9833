import ArgumentParser

/// Options shared by the commands that read a file.
struct ReadOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "How many times to look for equal msgs/msg_headers lengths (a writer may be mid-append): >0 that many looks, <0 until they agree, 0 do not check.",
        valueName: "n"))
    var attempts: Int = 1
}
