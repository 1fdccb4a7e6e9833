import PACMAN
import Foundation
import LArPixRaw
import PacmanEmulator
import TestSupport
import XCTest
import ZMQ

/// The `larpix-rawd` executable end to end: emulators on loopback as different io_groups, the
/// daemon as a child process driven by signals, and the files checked against what was sent.
class DaemonProcessCase: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("daemon") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    var daemonPath: String {
        let p = TestSupport.product("larpix-rawd")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: p), "build larpix-rawd first (swift build): \(p)")
        return p
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int { TestSupport.freeTCPPort() }

    struct Emulator: @unchecked Sendable {
        let publisher: PacmanPublisher
        let ioGroup: UInt8
        let options: PacmanPublisher.Options
    }

    func emulator(ioGroup: UInt8, count: Int, words: ClosedRange<Int> = 1...40, port: Int? = nil) throws -> Emulator {
        var o = PacmanPublisher.Options()
        o.endpoint = "tcp://127.0.0.1:\(port.map(String.init) ?? "*")"
        o.count = count
        o.words = words
        o.seed = UInt64(ioGroup) * 1000 + 7
        o.messageTime = 1_700_000_000 + UInt32(ioGroup)
        o.sendHighWaterMark = 0
        // The daemon subscribes after it connects: wait for its connection, then for the
        // subscription to travel (a PUB drops what it sends before).
        o.waitForSubscribers = 20
        o.startDelay = 0.3
        return Emulator(publisher: try PacmanPublisher(options: o), ioGroup: ioGroup, options: o)
    }

    func expected(_ e: Emulator) -> [[UInt8]] {
        PacmanPublisher.generatedMessages(seed: e.options.seed, words: e.options.words, time: e.options.messageTime!, count: e.options.count!)
    }

    func writeConfig(sources: [(String, UInt8)], extra: String = "", logLevel: String = "warning") throws -> String {
        var y = "sources:\n"
        for (e, g) in sources { y += "  - {endpoint: \"\(e)\", io_group: \(g)}\n" }
        y += "output:\n  directory: \"\(dir.appendingPathComponent("data").path)\"\n  filename: \"run_{seq}.h5\"\n"
        y += "flush_interval: 200ms\nlog_level: \(logLevel)\n" + extra
        // The default metrics port is one per machine: tests that want metrics name a free port.
        if !extra.contains("metrics:") { y += "metrics: {listen: \"\"}\n" }
        let p = dir.appendingPathComponent("rawd.yaml").path
        try y.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    /// {thread name: nice values} from /proc/PID/task/*/stat (field 19, after "PID (COMM)").
    func niceByThread(_ pid: Int32) throws -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        let base = "/proc/\(pid)/task"
        for tid in try FileManager.default.contentsOfDirectory(atPath: base) {
            guard let comm = try? String(contentsOfFile: "\(base)/\(tid)/comm", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "\(base)/\(tid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            out[comm.trimmingCharacters(in: .whitespacesAndNewlines), default: []].append(Int(fields[16])!)
        }
        return out
    }

    /// `launcher`: a command that execs the daemon with what follows it (prlimit, setpriv).
    func startDaemon(config: String, environment: [String: String] = [:], launcher: [String] = []) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher.first ?? daemonPath)
        p.arguments = (launcher.isEmpty ? [] : Array(launcher.dropFirst()) + [daemonPath]) + ["--config", config]
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardOutput = FileHandle.nullDevice
        let log = dir.appendingPathComponent("rawd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: log)
        let before = Set(dataFiles)
        try p.run()
        // Started once its first file exists; the emulators wait for the subscription themselves.
        TestSupport.wait("the daemon's first file", seconds: 20) { Set(dataFiles) != before || !p.isRunning }
        XCTAssertTrue(p.isRunning, "daemon exited early: \(daemonLog)")
        return p
    }

    var daemonLog: String { (try? String(contentsOf: dir.appendingPathComponent("rawd.log"), encoding: .utf8)) ?? "" }

    var dataFiles: [String] {
        let d = dir.appendingPathComponent("data")
        return ((try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []).filter { $0.hasSuffix(".h5") }
            .sorted().map { d.appendingPathComponent($0).path }
    }

    /// Messages visible in the files so far (a live SWMR read; transient failures count as 0).
    func visibleCount() -> Int {
        dataFiles.reduce(0) { $0 + ((try? RawFile.count($1)) ?? 0) }
    }

    func waitUntilVisible(_ n: Int, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line) {
        TestSupport.wait("\(n) messages visible in the files (\(visibleCount()) are)", seconds: timeout, poll: 0.05,
                         file: file, line: line) { visibleCount() >= n }
    }

    func stop(_ p: Process, signal: Int32 = SIGTERM) {
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "daemon exit status; log:\n\(daemonLog)")
    }

    /// All stored messages, file by file in order, as (io_group, bytes).
    func stored() throws -> [(UInt8, [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        for f in dataFiles {
            let c = try RawFile.read(f)
            XCTAssertEqual(c.ioVersion, "0.0")
            for (m, g) in zip(c.messages!, c.headers["io_groups"]!) { out.append((UInt8(g), m)) }
        }
        return out
    }

    static func runPublishers(_ emulators: [Emulator]) -> [PacmanPublisher.Report] {
        let results = ReportBox(count: emulators.count)
        let group = DispatchGroup()
        for (i, e) in emulators.enumerated() {
            group.enter()
            Thread {
                results.set(i, try? e.publisher.run())
                group.leave()
            }.start()
        }
        group.wait()
        return results.all
    }


    func assertSame(_ got: [[UInt8]], _ want: [[UInt8]], _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard got != want else { return }
        let firstDiff = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
        XCTFail("\(what): \(got.count) messages vs \(want.count) expected; first difference at \(firstDiff)", file: file, line: line)
    }
}

/// The daemon binary end to end: several emulators, rotations, a late source, systemd
/// notification, bad and effective configs, the unit files.
final class DaemonProcessTests: DaemonProcessCase {
    func testSeveralEmulatorsFiveHangupsAndStopLoseNothing() throws {
        let emulators = try (1...3).map { try emulator(ioGroup: UInt8($0 * 10), count: 4000) }
        let config = try writeConfig(sources: emulators.map { ($0.publisher.endpoint, $0.ioGroup) })
        let daemon = try startDaemon(config: config)
        let reports = ThreadedRun { Self.runPublishers(emulators) }
        // Standard signals coalesce: each SIGHUP waits for the rotation the last one asked for.
        for k in 0..<5 {
            Thread.sleep(forTimeInterval: 0.15)
            kill(daemon.processIdentifier, SIGHUP)
            TestSupport.wait("file \(k + 2) after SIGHUP \(k + 1)", seconds: 20) { dataFiles.count >= k + 2 }
        }
        let sent = reports.wait()
        XCTAssertEqual(sent.map(\.messages), [4000, 4000, 4000])
        waitUntilVisible(12000)
        stop(daemon)
        XCTAssertGreaterThanOrEqual(dataFiles.count, 6, "5 rotations make 6 files")
        let all = try stored()
        XCTAssertEqual(all.count, 12000)
        for e in emulators {
            let mine = all.filter { $0.0 == e.ioGroup }.map(\.1)
            assertSame(mine, expected(e), "io_group \(e.ioGroup): every message once, in order, byte for byte")
        }
        XCTAssertEqual(all.reduce(0) { $0 + $1.1.count }, sent.reduce(0) { $0 + $1.bytes })
        // The reference reader (larpix-control's from_rawfile) reads the same bytes, file by file.
        if let python = TestSupport.oraclePython {
            var theirs: [(UInt8, [UInt8])] = []
            for f in dataFiles {
                let c = try Oracle(python: python).read(f)
                theirs += zip(c.ioGroups, c.messages).map { ($0, $1) }
            }
            XCTAssertEqual(theirs.count, all.count)
            XCTAssertTrue(zip(theirs, all).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }, "from_rawfile reads what we stored")
        } else if TestSupport.oracleRequired { XCTFail("LARPIX_ORACLE_PYTHON missing") }
    }

    func testSizeAndTimeRotations() throws {
        let e = try emulator(ioGroup: 5, count: 3000, words: 20...60)
        let config = try writeConfig(sources: [(e.publisher.endpoint, 5)],
                                     extra: "rotate:\n  max_bytes: 400kB\n  max_messages: 900\n")
        let daemon = try startDaemon(config: config)
        let sent = Self.runPublishers([e])
        waitUntilVisible(3000)
        stop(daemon)
        XCTAssertEqual(sent[0].messages, 3000)
        XCTAssertGreaterThanOrEqual(dataFiles.count, 4)
        for f in dataFiles { XCTAssertLessThanOrEqual(try RawFile.count(f), 900, f) }
        assertSame(try stored().map(\.1), expected(e))

        // Time rotation: a file a second while messages trickle in.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("data"))
        let slow = try emulator(ioGroup: 6, count: 300)
        let config2 = try writeConfig(sources: [(slow.publisher.endpoint, 6)], extra: "rotate:\n  max_seconds: 1\n")
        let daemon2 = try startDaemon(config: config2)
        let paced = ThreadedRun { () -> Result<PacmanPublisher.Report, Error> in Result { try slow.publisher.run() } }
        XCTAssertEqual(try paced.wait().get().messages, 300)
        // Rotations by age go on while the daemon runs: three files at one a second.
        TestSupport.wait("three files by max_seconds (\(dataFiles.count) so far)", seconds: 30) { dataFiles.count >= 3 }
        waitUntilVisible(300)
        stop(daemon2)
        XCTAssertGreaterThanOrEqual(dataFiles.count, 3, "one file per second")
        assertSame(try stored().map(\.1), expected(slow))
    }

    func testASourceDownAtStartIsIngestedWhenItComesUp() throws {
        let port = try Self.freePort()
        let config = try writeConfig(sources: [("tcp://127.0.0.1:\(port)", 9)])
        let daemon = try startDaemon(config: config)
        Thread.sleep(forTimeInterval: 1.5)  // proving an absence: the daemon does not exit meanwhile
        XCTAssertTrue(daemon.isRunning, "a source that is down is not an error")
        // The board comes up. PUB drops what it sends before the daemon has reconnected and
        // subscribed, so probe until the daemon stores something, then send the real data.
        let pub = try ZMQSocket(type: .pub)
        try pub.setSendHighWaterMark(0)
        try pub.setLinger(5000)
        try pub.bind("tcp://127.0.0.1:\(port)")
        let deadline = Date().addingTimeInterval(10)
        var probes = 0
        var probeBuilder = PacmanMessageBuilder(seed: 0)
        let probe = probeBuilder.nextDataMessage(words: 1, time: 0)
        while visibleCount() == 0 && Date() < deadline {
            try pub.send(probe)
            probes += 1
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertGreaterThan(visibleCount(), 0, "the daemon connected to the late source")
        let messages = PacmanPublisher.generatedMessages(seed: 99, words: 1...40, time: 1_700_000_009, count: 500)
        for m in messages { try pub.send(m) }
        waitUntilVisible(500 + 1)
        stop(daemon)
        let all = try stored().map(\.1)
        XCTAssertTrue(all.count >= 501 && all.count <= 500 + probes, "\(all.count) stored, \(probes) probes sent")
        assertSame(Array(all.suffix(500)), messages)
        XCTAssertTrue(all.dropLast(500).allSatisfy { $0 == probe })
    }

    /// Compares message lists without printing megabytes when they differ.

    /// systemd's notify protocol, with a datagram socket standing in for systemd.
    func testSystemdNotificationsReadyStatusStopping() throws {
        let socketPath = dir.appendingPathComponent("notify.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in socketPath.utf8.enumerated() where i < p.count - 1 { p[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0, "bind \(socketPath)")
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))

        let e = try emulator(ioGroup: 4, count: 2000)
        let config = try writeConfig(sources: [(e.publisher.endpoint, 4)])
        let daemon = try startDaemon(config: config, environment: ["NOTIFY_SOCKET": socketPath])
        _ = Self.runPublishers([e])
        waitUntilVisible(2000)
        var received: [String] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        func drain() {
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                received.append(String(decoding: buf[0..<n], as: UTF8.self))
            }
        }
        // The writer's once-a-second STATUS= (with rates) comes after READY=1's.
        TestSupport.wait("a STATUS= tick with rates", seconds: 30) { drain(); return received.dropFirst().contains { $0.contains("msg/s") } }
        stop(daemon)
        drain()
        let all = received.joined(separator: "\n")
        XCTAssertTrue(received.first?.hasPrefix("READY=1") == true, "READY=1 first: \(received)")
        XCTAssertTrue(all.contains("STATUS=") && all.contains("msg/s"), "STATUS= with rates: \(received)")
        XCTAssertTrue(all.contains("msgs, ") && all.contains("in file; buffer ") && all.contains("sources ") && all.contains(" dropped"),
                      "STATUS= with the file's count, buffer use, sources and drops: \(received)")
        XCTAssertTrue(received.last?.contains("STOPPING=1") == true || all.contains("STOPPING=1"), "STOPPING=1: \(received)")
    }

    func testBadConfigsExit78NamingTheKey() throws {
        let cases: [(String, String)] = [
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 256}]\n", "sources[0].io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\"}]\n", "sources[0]"),
            ("sources: [{endpoint: \"udp://h:5556\", io_group: 1}]\n", "sources[0].endpoint"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nflush_interval: soon\n", "flush_interval"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nbogus: 1\n", "bogus"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\noutput: {filename: \"../x.h5\"}\n", "output.filename"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\noutput: {directory: \"/proc/nope\"}\n", "output.directory"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nbatch: {max_age: never}\n", "batch.max_age"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nrotate: {max_messages: x}\n", "rotate.max_messages"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nlog_level: shout\n", "log_level"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nreceive: {rcvbuf: huge}\n", "receive.rcvbuf"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\noutput: {io_version: 1}\n", "output.io_version"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nmetrics: {listen: \"x\"}\n", "metrics.listen"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1}]\nbuffer: {max_bytes: 0}\n", "buffer.max_bytes"),
            ("io_config: /nonexistent/io.json\n", "io_config"),
            ("sources: 5\n", "sources"),
        ]
        for (i, (yaml, key)) in cases.enumerated() {
            let p = dir.appendingPathComponent("bad\(i).yaml").path
            try yaml.write(toFile: p, atomically: true, encoding: .utf8)
            for mode in ["--check-config", "--config"] {
                let r = try TestSupport.run(daemonPath, [mode, p])
                XCTAssertEqual(r.status, 78, "\(mode) \(yaml)")
                let lines = r.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "one line: \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("bad\(i).yaml: \(key)"), "names the key \(key): \(r.stderr)")
            }
        }
        let missing = try TestSupport.run(daemonPath, ["--config", dir.appendingPathComponent("none.yaml").path])
        XCTAssertEqual(missing.status, 78)
        XCTAssertTrue(missing.stderr.contains("none.yaml: no such file"), missing.stderr)
    }

    func testCheckConfigPrintsTheEffectiveConfig() throws {
        let r = try TestSupport.run(daemonPath, ["--check-config", TestSupport.packageRoot.appendingPathComponent("config/larpix-rawd.yaml").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        for key in ["endpoint: \"tcp://10.0.1.4:5556\"", "io_group: 2", "max_message_bytes: 16777216", "flush_interval: 1", "max_bytes: 1073741824", "log_level: info"] {
            XCTAssertTrue(r.stdout.contains(key), "missing \(key) in:\n\(r.stdout)")
        }
    }

    /// `systemd-analyze verify` must print nothing. It insists that ExecStart's binary exists,
    /// so the check runs on copies whose /usr/local/bin/larpix-rawd points at the built one.
    func testUnitFilesVerifyClean() throws {
        for (copy, unit) in try unitCopies([("larpix-rawd.service", "larpix-rawd.service"), ("larpix-rawd@.service", "larpix-rawd@.service"),
                                            ("larpix-rawd@.service", "larpix-rawd@det1.service")]) {
            let r = try TestSupport.run("/usr/bin/systemd-analyze", ["verify", unit.path])
            XCTAssertEqual(r.status, 0, "\(copy): \(r.stderr)")
            XCTAssertEqual(r.stdout + r.stderr, "", "\(copy) must verify with no output")
        }
    }
}

/// Runs a closure on a thread and hands back its result.
final class ThreadedRun<T>: @unchecked Sendable {
    private var result: T?
    private let done = DispatchSemaphore(value: 0)
    init(_ body: @escaping @Sendable () -> T) {
        Thread { [self] in result = body(); done.signal() }.start()
    }
    func wait() -> T { done.wait(); return result! }
}

final class ReportBox: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [PacmanPublisher.Report?]
    init(count: Int) { reports = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: PacmanPublisher.Report?) { lock.lock(); reports[i] = r; lock.unlock() }
    var all: [PacmanPublisher.Report] {
        lock.lock(); defer { lock.unlock() }
        return reports.map { $0 ?? PublishReport(messages: -1) }
    }
}
