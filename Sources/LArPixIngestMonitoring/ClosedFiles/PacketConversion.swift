import Foundation
import LArPixIngest
import LArPixPackets
import Logging

/// Makes the packet file of a closed raw file (packets.enabled), in a process of its own:
/// `larpix-raw convert RAW -o PACKETS --complete-only --json`. HDF5 is called from one thread
/// per process, and the daemon's is the writer's; the converter writes under a hidden name and
/// renames into place only when complete, so a packet file that exists is whole. A failure leaves
/// the raw file untouched and is logged and counted; ingest never waits for it.
struct PacketConversion: Sendable {
    /// The larpix-raw executable.
    let converter: String
    /// Where packet files go; nil: beside each raw file, in whichever output place it was
    /// written (a full first place does not receive the packet files of the second).
    let directory: String?

    /// Named by the 2x2 rule (`PacketFileName`: binary-X.h5 becomes packet-X.h5).
    func packetPath(forRaw raw: String) -> String {
        let dir = directory ?? (raw as NSString).deletingLastPathComponent
        return (dir as NSString).appendingPathComponent(PacketFileName.forRaw(raw))
    }

    struct Outcome {
        var path: String
        /// From the converter's --json summary.
        var summary: [String: Any]
        var packets: Int { (summary["packets"] as? Int) ?? ((summary["packets"] as? [String: Any])?["total"] as? Int) ?? 0 }
    }

    /// Runs the converter on `raw` and waits for it, or, once `deadline()` gives a time and it
    /// has passed (the stop's budget), stops it and removes its hidden file.
    func convert(_ raw: String, deadline: () -> ContinuousClock.Instant? = { nil }) throws(ClosedFileError) -> Outcome {
        let out = packetPath(forRaw: raw)
        // Output to files, not pipes: the child can never block on a full pipe while we poll.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("larpix-rawd-convert-\(UUID().uuidString)")
        let outFile = capture.path + ".out", errFile = capture.path + ".err"
        defer { unlink(outFile); unlink(errFile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: converter)
        p.arguments = ["convert", raw, "-o", out, "--complete-only", "--json"]
        p.standardInput = FileHandle.nullDevice
        do {
            for f in [outFile, errFile] { guard FileManager.default.createFile(atPath: f, contents: nil) else { throw CocoaError(.fileWriteNoPermission) } }
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
            p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
            try p.run()
        } catch { throw ClosedFileError(path: out, reason: "cannot start \(converter): \(error)") }
        while p.isRunning {
            if let d = deadline(), ContinuousClock.now >= d {
                p.terminate()
                p.waitUntilExit()
                unlink(PacketConverter.temporaryPath(for: out, pid: p.processIdentifier))
                throw ClosedFileError(path: out, reason: "stopped unfinished when the stop's budget (stop_timeout) ran out; `\(converter) convert \(raw) -o \(out)` makes it")
            }
            usleep(20_000)
        }
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let said = (try? String(contentsOfFile: errFile, encoding: .utf8))?.split(separator: "\n").last.map(String.init) ?? ""
            throw ClosedFileError(path: out, reason: "\(converter) convert \(raw) exited \(p.terminationStatus): \(said)")
        }
        let outData = FileManager.default.contents(atPath: outFile) ?? Data()
        let summary = (try? JSONSerialization.jsonObject(with: outData)) as? [String: Any] ?? [:]
        return Outcome(path: out, summary: summary)
    }

    /// The converter a configuration names, or `larpix-raw` beside this executable, or on PATH.
    static func converter(configured: String) -> String? {
        if !configured.isEmpty { return configured }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = ((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("larpix-raw")
        return ConfigReader.executable(sibling) ?? ConfigReader.executable("larpix-raw")
    }
}
