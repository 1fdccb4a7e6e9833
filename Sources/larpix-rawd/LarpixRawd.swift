import ArgumentParser
import Foundation
import LArPixIngest
import Logging

/// larpix-rawd: subscribes to PACMAN boards over ZeroMQ and appends their messages to LArPix
/// raw HDF5 files in SWMR mode. SIGTERM/SIGINT drain and stop; SIGHUP rotates the file.
@main
struct LarpixRawd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "larpix-rawd",
        abstract: "LArPix raw-data ingest daemon: PACMAN boards (ZeroMQ) to SWMR HDF5 files.",
        discussion: """
        With no --config, runs a built-in default: one source tcp://127.0.0.1:5556 as io_group 1, \
        files in ./data. Exit codes: 0 stopped cleanly, 78 bad configuration (or a source endpoint the \
        sockets refuse), 73 cannot create the \
        output file, 69 metrics.listen or tap.listen cannot be bound, 70 internal error.
        """,
        version: DaemonVersion.string)

    @Option(name: .long, help: "YAML configuration file (see config/larpix-rawd.yaml).")
    var config: String?

    @Option(name: .customLong("check-config"), help: "Validate this configuration, print the effective one, and exit.")
    var checkConfig: String?

    @Flag(name: .long, help: "With --check-config: print nothing when the configuration is valid.")
    var quiet = false

    mutating func run() async throws {
        // Files and directories the daemon makes are not for other users (raw files are also
        // chmod 0640 when created, whatever the umask).
        umask(0o027)
        if let path = checkConfig {
            let cfg = try loadOrExit { try DaemonConfig.load(path: path) }
            try loadOrExit { try cfg.validateOutputDirectory() }
            if !quiet { print(cfg.effectiveYAML(), terminator: "") }
            return
        }
        let cfg: DaemonConfig
        if let path = config { cfg = try loadOrExit { try DaemonConfig.load(path: path) } } else { cfg = .builtInDefault }
        try loadOrExit { try cfg.validateOutputDirectory() }

        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = cfg.logLevel
            return h
        }
        let logger = Logger(label: "larpix-rawd")
        for w in cfg.outputDirectoryWarnings() { logger.warning("\(w)") }
        do {
            try await IngestService.runUntilSignalled(config: cfg, logger: logger)
        } catch {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("larpix-rawd: \(error)\n".utf8))
            throw ExitCode(IngestDaemon.exitCode(for: error))
        }
    }

    /// A configuration problem: one line naming the key, exit 78.
    private func loadOrExit<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ConfigError {
            FileHandle.standardError.write(Data("larpix-rawd: \(e.description)\n".utf8))
            throw ExitCode(ConfigError.exitCode)
        }
    }
}
