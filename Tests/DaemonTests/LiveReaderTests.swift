import Foundation
import TestSupport
import XCTest

/// Physicists' live readers against the daemon (issue 4, target 1): while `larpix-rawd` writes a
/// file fed by the emulator, larpix-control's `from_rawfile` (HDF5 1.10.8, retries off) and pip's
/// h5py (HDF5 2.x) reopen it in a loop, and `larpix-raw follow` tails it. No read may fail, and
/// every message any of them read must equal the one at that index in the closed file. Readers
/// that keep the file open (h5py's open once + `refresh()`, over both HDF5s) must never fail.
/// `bench/live-readers.sh` runs the same at 10,000 reads (or 10 minutes) and prints the figures.
final class LiveReaderTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("live") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testLiveReadersNeverFailAtFullRate() throws {
        try readWhileWriting(rate: 4000, words: "1-400", reads: 2000)
    }

    func testLiveReadersNeverFailAtATrickle() throws {
        try readWhileWriting(rate: 20, words: "1-40", reads: 1000)
    }

    /// Open once, refresh() and read the newest rows every 20 ms: before the driver claimed
    /// reader headroom in the superblock, every read after the first second failed ("address of
    /// object past end of allocation"). Small messages, so that rows share heap collections.
    func testReadersThatKeepTheFileOpenAndRefreshNeverFail() throws {
        try readWhileWriting(rate: 4000, words: "1-40", reads: 300, readers: ["refresh", "refresh2"],
                             interval: 0.02, window: 500, exposureWait: "50ms")
    }

    private func start(_ executable: String, _ args: [String], stdout: URL? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["HDF5_USE_FILE_LOCKING"] = "FALSE"
        p.environment = env
        let out = stdout ?? dir.appendingPathComponent(URL(fileURLWithPath: executable).lastPathComponent + ".\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        let err = dir.appendingPathComponent(URL(fileURLWithPath: executable).lastPathComponent + ".err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        return p
    }

    /// `readers`: larpix and h5py reopen the file per read; refresh (Debian's HDF5 1.10.8) and
    /// refresh2 (pip's HDF5 2.x) keep it open.
    private func readWhileWriting(rate: Int, words: String, reads: Int, readers names: [String] = ["larpix", "h5py"],
                                  interval: Double = 0, window: Int = 64, exposureWait: String = "250ms") throws {
        let larpix = try Oracle.debian(), h5py = try Oracle.h5py2()
        let raw = TestSupport.product("larpix-raw"), rawd = TestSupport.product("larpix-rawd")
        let port = try DaemonProcessCase.freePort()
        let file = dir.appendingPathComponent("data/live.h5").path
        let config = dir.appendingPathComponent("rawd.yaml").path
        // A flush every 200 ms: five times the default rate of new rows for readers to meet. Three
        // readers that reopen the file all the time leave the writer few moments with none of
        // them inside; on a loaded CI machine 50 ms (the default wait) can pass without one.
        try """
        sources: [{endpoint: "tcp://127.0.0.1:\(port)", io_group: 3}]
        output: {directory: "\(dir.appendingPathComponent("data").path)", filename: "live.h5", exposure_wait: \(exposureWait)}
        flush_interval: 200ms
        log_level: info
        metrics: {listen: ""}
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try start(rawd, ["--config", config])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let publisher = try start(raw, ["publish", "--endpoint", "tcp://127.0.0.1:\(port)", "--rate", "\(rate)",
                                        "--words", words, "--hwm", "0", "--seconds", "600"])
        defer { if publisher.isRunning { kill(publisher.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(20)
        while (try? RawFileProbe.count(raw, file)) ?? 0 == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertGreaterThan(try RawFileProbe.count(raw, file), 0, "the daemon wrote nothing")

        let followed = dir.appendingPathComponent("follow.jsonl")
        let follower = try start(raw, ["follow", file, "--until-closed"], stdout: followed)
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        let script = TestSupport.oracleScript("live_reader.py")
        let results = names.map { name in
            (name, dir.appendingPathComponent("\(name).json").path, ["h5py", "refresh2"].contains(name) ? h5py.python : larpix.python)
        }
        let readers = try results.map { name, out, python in
            try start(python, [script, file, "--reader", name.hasPrefix("refresh") ? "refresh" : name, "--reads", "\(reads)",
                               "--interval", "\(interval)", "--window", "\(window)", "--out", out])
        }
        for r in readers { XCTAssertTrue(Self.wait(r, seconds: 300), "a reader did not finish"); XCTAssertEqual(r.terminationStatus, 0) }
        publisher.interrupt()
        XCTAssertTrue(Self.wait(publisher, seconds: 30), "the emulator did not stop")
        XCTAssertTrue(daemon.isRunning, "the daemon died while writing")
        daemon.terminate()
        XCTAssertTrue(Self.wait(daemon, seconds: 60), "the daemon did not stop")
        XCTAssertEqual(daemon.terminationStatus, 0)
        // follow --until-closed exits once it has printed the closed file. On a loaded machine it
        // can be minutes of output behind the writer, so what is bounded is its progress: it
        // fails only if its output stops growing for 60 s while it still runs.
        XCTAssertTrue(Self.wait(follower, whileGrowing: followed, stall: 60), "follow --until-closed did not exit")
        XCTAssertEqual(follower.terminationStatus, 0, "follow --until-closed")

        // How often the writer waited for a reader, and how often it gave up waiting (CI log).
        let log = (try? String(contentsOf: dir.appendingPathComponent("larpix-rawd.err"), encoding: .utf8)) ?? ""
        for line in log.split(separator: "\n") where line.contains("ordered flushes") { print("live-readers: \(line)") }
        let exposed = Self.flushesWithAReaderInside(log)
        XCTAssertNotNil(exposed, "the daemon logs its ordered flushes at close: \(log.suffix(2000))")
        // What the writer controls: a reader inside the file when a flush's held headers go out
        // is possible only after the wait for it ran out (exposure_wait); on a loaded machine a
        // reader can be descheduled that long while it has the file open. So: no failed read at
        // all unless the writer gave up waiting, and at most one per reader for each time it did,
        // only of the kinds a half-seen flush gives; never a corrupt message.
        let verify = try TestSupport.run(larpix.python, [script, "--verify", file] + results.map { $0.1 })
        XCTAssertEqual(verify.status, 0, verify.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as! [[String: Any]]
        for (r, name) in zip(report, names) {
            XCTAssertEqual(r["reads"] as? Int, reads, name)
            let failed = reads - (r["ok"] as? Int ?? 0)
            // One handle refreshed: lengths are read once and never straddle, and HDF5 retries a
            // torn metadata read itself (checksums); nothing may fail.
            if name.hasPrefix("refresh") { XCTAssertEqual(failed, 0, "\(name): \(r["failures"] ?? "?")") }
            XCTAssertLessThanOrEqual(failed, exposed ?? 0,
                                     "\(name): \(failed) failed reads \(r["failures"] ?? "?") but the writer gave up waiting for a reader \(exposed ?? -1) times")
            let kinds = Set((r["failures"] as? [String: Any] ?? [:]).keys)
            XCTAssertTrue(kinds.isSubset(of: ["unequal_lengths", "eoa"]), "\(name): failures of another kind: \(kinds)")
            XCTAssertEqual(r["corrupt"] as? Int, 0, name)
            XCTAssertGreaterThan(r["checked_messages"] as? Int ?? 0, 0, name)
        }
        // The follower printed exactly the closed file, message by message: compared as files
        // (hundreds of MB of hex; splitting them into Swift strings took minutes in a debug build).
        let dumpedURL = dir.appendingPathComponent("dump.out")
        let dumper = try start(raw, ["dump", file], stdout: dumpedURL)
        dumper.waitUntilExit()
        XCTAssertEqual(dumper.terminationStatus, 0, "larpix-raw dump")
        let messages = try RawFileProbe.count(raw, file)
        XCTAssertGreaterThan(messages, 0)
        let (live, closed) = (try Self.lineCount(followed), try Self.lineCount(dumpedURL))
        XCTAssertEqual(closed, messages, "dump printed \(closed) lines, the file holds \(messages) messages")
        XCTAssertEqual(live, closed, "follow printed \(live) messages, the file holds \(closed)")
        XCTAssertTrue(try TestSupport.filesEqual(followed.path, dumpedURL.path), "follow's lines differ from dump's")
    }
}

extension LiveReaderTests {
    /// "N ordered flushes, M waits for readers, K with a reader still open", summed over the log.
    static func flushesWithAReaderInside(_ log: String) -> Int? {
        let lines = log.split(separator: "\n").filter { $0.contains("ordered flushes") && $0.contains("with a reader still open") }
        guard !lines.isEmpty else { return nil }
        return lines.reduce(0) { sum, line in
            let head = line[..<line.range(of: " with a reader still open")!.lowerBound]
            return sum + (Int(head.split(separator: " ").last ?? "") ?? 0)
        }
    }

    /// Waits for `p` to exit as long as `output` keeps growing; kills it (SIGKILL) and returns
    /// false once the output has not grown for `stall` seconds.
    static func wait(_ p: Process, whileGrowing output: URL, stall: Double) -> Bool {
        var size = -1, grewAt = Date()
        while p.isRunning {
            let now = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
            if now != size { (size, grewAt) = (now, Date()) }
            if Date().timeIntervalSince(grewAt) > stall { break }
            usleep(50_000)
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(); return false }
        return true
    }

    /// Lines in a file, counted with memchr (the files here are hundreds of MB).
    static func lineCount(_ url: URL) throws -> Int {
        let data = try Data(contentsOf: url, options: .alwaysMapped)
        return data.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> Int in
            guard var at = b.baseAddress else { return 0 }
            let end = at + b.count
            var n = 0
            while at < end, let nl = memchr(at, 0x0A, end - at) {
                n += 1
                at = UnsafeRawPointer(nl) + 1
            }
            return n
        }
    }

    /// Waits for `p` at most `seconds`; kills it (SIGKILL) and returns false past that.
    static func wait(_ p: Process, seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < end { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit(); return false }
        return true
    }
}

/// `larpix-raw count`, tolerating a file that does not exist yet.
enum RawFileProbe {
    static func count(_ raw: String, _ file: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: file) else { return 0 }
        let r = try TestSupport.run(raw, ["count", file])
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
