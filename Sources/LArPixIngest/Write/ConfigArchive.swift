import Foundation
import LArPixRaw
import Logging
import Synchronization

/// `output.embed_configs`: the DAQ configuration directory, kept ready as an xz tarball for each
/// new file (`EmbeddedArchive`). The tarball is made by `tar -cJ` in a process of its own, never
/// on the writer thread: once at start, then again whenever the directory changes (a look at
/// every entry's size and mtime every `checkInterval`, on a thread of its own). The writer takes
/// the latest at each file's creation, as the file's record of the configuration it was taken
/// with (a raw file cannot get a new dataset later: HDF5 creates no object in SWMR mode).
package final class ConfigArchive: Sendable {
    package let directory: String
    let checkInterval: Double
    private let logger: Logger
    private struct State { var fingerprint = ""; var archive: EmbeddedArchive?; var stopping = false; var failed = false }
    private let state = Mutex(State())
    private let thread = WorkerThread()

    package init(directory: String, checkInterval: Double = 2, logger: Logger) {
        self.directory = directory
        self.checkInterval = checkInterval
        self.logger = logger
    }

    /// The tarball for the next file (nil until one was made).
    package var current: EmbeddedArchive? { state.withLock { $0.archive } }

    /// Makes the first tarball now (so the first file has it), then watches on a thread.
    package func start() throws(ConfigArchiveError) {
        if let problem = refresh() { throw ConfigArchiveError(directory: directory, problem: problem) }
        thread.spawn(name: "larpix-rawd embed_configs") { [self] in
            while !state.withLock({ $0.stopping }) {
                Thread.sleep(forTimeInterval: checkInterval)
                if let problem = refresh() {
                    let first = state.withLock { s in defer { s.failed = true }; return !s.failed }
                    if first { logger.error("output.embed_configs \(directory): \(problem); new files keep the last tarball") }
                } else {
                    state.withLock { $0.failed = false }
                }
            }
        }
    }

    package func stop() {
        state.withLock { $0.stopping = true }
        thread.join()
    }

    /// Remakes the tarball if the directory changed; the problem when it cannot.
    @discardableResult
    package func refresh() -> String? {
        guard let fingerprint = Self.fingerprint(directory) else { return "not a readable directory" }
        if state.withLock({ $0.fingerprint == fingerprint && $0.archive != nil }) { return nil }
        switch Self.tarball(directory) {
        case .failure(let error): return error.problem
        case .success(let bytes):
            state.withLock { s in
                s.fingerprint = fingerprint
                s.archive = EmbeddedArchive(dirname: directory, bytes: bytes)
            }
            logger.info("output.embed_configs: \(directory) (\(bytes.count) bytes as .tar.xz) goes into each new file")
            return nil
        }
    }

    /// Every entry's relative path, size and mtime: changes when anything in the directory does.
    static func fingerprint(_ directory: String) -> String? {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue,
              let e = FileManager.default.enumerator(atPath: directory) else { return nil }
        var parts: [String] = []
        while let name = e.nextObject() as? String {
            var st = stat()
            guard lstat(directory + "/" + name, &st) == 0 else { continue }
            parts.append("\(name)\u{0}\(st.st_size)\u{0}\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
        }
        return parts.sorted().joined(separator: "\n")
    }

    /// `tar -cJf - -C PARENT NAME`: the directory under its own name, as crs_daq archives it.
    static func tarball(_ directory: String) -> Result<[UInt8], ConfigArchiveError> {
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        p.arguments = ["-cJf", "-", "-C", url.deletingLastPathComponent().path, url.lastPathComponent]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return .failure(ConfigArchiveError(directory: directory, problem: "cannot run tar: \(error)")) }
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return .failure(ConfigArchiveError(directory: directory, problem: "tar failed (\(p.terminationStatus)): \(message.split(separator: "\n").first ?? "")"))
        }
        return .success([UInt8](bytes))
    }
}

/// The embedded directory could not be archived at start.
public struct ConfigArchiveError: Error, CustomStringConvertible, Sendable {
    public var directory: String
    public var problem: String
    public var description: String { "output.embed_configs \(directory): \(problem)" }
}
