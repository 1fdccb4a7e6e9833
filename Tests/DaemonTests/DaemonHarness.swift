import PACMAN
import Foundation
import LArPixRaw
import PacmanEmulator
import TestSupport
import XCTest

/// What the crash, stop/rotate, full-disk and follow tests share: the built `larpix-rawd` as a
/// child process on a config of their own, a full-rate emulator on a fixed loopback port, and
/// the check that stored messages are, byte for byte, the emulator's deterministic sequence.
final class DaemonHarness {
    let dir: URL
    /// Where the daemon writes (may be replaced, e.g. by a small mounted filesystem).
    var dataDir: URL
    /// The port of the newest emulator (the config written after it points there).
    private(set) var port = 0
    var endpoint: String { "tcp://127.0.0.1:\(port)" }
    private(set) var process: Process?
    private var runs = 0

    init(label: String) throws {
        dir = TestSupport.temporaryDirectory(label)
        dataDir = dir.appendingPathComponent("data")
    }

    func cleanUp() {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    static func binary(_ name: String) throws -> String {
        let p = TestSupport.product(name)
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw TestSupport.unavailable("build \(name) first (swift build; LARPIX_BIN_DIR): \(p)")
        }
        return p
    }

    // MARK: The daemon

    /// Writes the config: one source (this harness's port) as io_group 1, `output` lines (keys
    /// of output: besides directory and filename), then `extra` YAML.
    func writeConfig(filename: String = "run_{seq}.h5", flushInterval: String = "250ms", output: [String] = [],
                     extra: String = "") throws -> String {
        var y = "sources:\n  - {endpoint: \"\(endpoint)\", io_group: 1}\n"
        y += "output:\n  directory: \"\(dataDir.path)\"\n  filename: \"\(filename)\"\n"
        for line in output { y += "  \(line)\n" }
        y += "flush_interval: \(flushInterval)\nlog_level: info\n" + extra
        // The default metrics port is one per machine: tests that want metrics name a free port.
        if !extra.contains("metrics:") { y += "metrics: {listen: \"\"}\n" }
        let p = dir.appendingPathComponent("rawd.yaml").path
        try y.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    var logPath: String { dir.appendingPathComponent("rawd.log").path }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts the daemon (appending to one log across restarts) and returns once its first file
    /// exists.
    func startDaemon(config: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.binary("larpix-rawd"))
        p.arguments = ["--config", config]
        var env = ProcessInfo.processInfo.environment
        env["HDF5_USE_FILE_LOCKING"] = "FALSE"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        h.seekToEndOfFile()
        h.write(Data("--- start \(runs)\n".utf8))
        runs += 1
        p.standardError = h
        let before = Set(dataFiles)
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(20)
        while Set(dataFiles) == before && p.isRunning && Date() < deadline { usleep(5_000) }
        guard p.isRunning else { throw HarnessError("daemon exited at start (\(p.terminationStatus)): \(log.suffix(2000))") }
        return p
    }

    /// Sends `signal` and waits for the exit; returns the exit status (or the signal number).
    @discardableResult
    func signalAndWait(_ signal: Int32, timeout: Double = 60) throws -> Int32 {
        guard let p = process else { throw HarnessError("no daemon") }
        kill(p.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            throw HarnessError("daemon did not exit within \(timeout) s of signal \(signal): \(log.suffix(2000))")
        }
        p.waitUntilExit()
        process = nil
        return p.terminationStatus
    }

    /// Raw files in the data directory, oldest first (by the daemon's {seq} / _N names, which
    /// sort in creation order as long as the counter keeps its width).
    var dataFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDir.path)) ?? []
        // Not a link to one of them (output.latest_link may be given any name that is not *.h5).
        let files = names.filter { n in
            n.hasSuffix(".h5") && (try? FileManager.default.destinationOfSymbolicLink(atPath: dataDir.appendingPathComponent(n).path)) == nil
        }
        return files.sorted { Self.creationKey($0) < Self.creationKey($1) }
            .map { dataDir.appendingPathComponent($0).path }
    }

    /// "live.h5" < "live_1.h5" < "live_2.h5" < "live_10.h5"; "run_0003.h5" by its number.
    static func creationKey(_ name: String) -> (String, Int) {
        let stem = name.dropLast(3)
        if let u = stem.lastIndex(of: "_"), let n = Int(stem[stem.index(after: u)...]) {
            return (String(stem[..<u]), n)
        }
        return (String(stem), -1)
    }

    // MARK: The emulator

    /// An emulator on a port the system picks (a port picked beforehand can be taken meanwhile
    /// by another connection's ephemeral port); write the config after this.
    func emulator(seed: UInt64, words: ClosedRange<Int>, count: Int? = nil, dropOnFull: Bool = false,
                  rate: Double? = nil) throws -> Emulator {
        let e = try Emulator(endpoint: "tcp://127.0.0.1:*", seed: seed, words: words, count: count, dropOnFull: dropOnFull, rate: rate)
        port = Int(e.publisher.endpoint.split(separator: ":").last!)!
        return e
    }

    /// A full-rate emulator on this harness's port: waits for the daemon to connect, then sends
    /// `seed`'s sequence until `stop()` (or `count`), recording how many it had sent when.
    final class Emulator: @unchecked Sendable {
        let publisher: PacmanPublisher
        let options: PacmanPublisher.Options
        private let lock = NSLock()
        private var samples: [(Double, Int)] = []
        private var report: PublishReport?
        private var finished = false
        private let done = DispatchSemaphore(value: 0)
        let startedAt = Date()

        init(endpoint: String, seed: UInt64, words: ClosedRange<Int>, count: Int? = nil, dropOnFull: Bool = false,
             sendHighWaterMark: Int = 1000, rate: Double? = nil) throws {
            var o = PacmanPublisher.Options()
            o.endpoint = endpoint
            o.seed = seed
            o.words = words
            o.messageTime = 1_700_000_000
            o.count = count
            if let rate { o.rate = .messagesPerSecond(rate) }
            o.sendHighWaterMark = sendHighWaterMark
            o.dropOnFull = dropOnFull
            o.waitForSubscribers = 20
            o.startDelay = 0.3  // the subscription travels after the connection is accepted
            o.progressInterval = 0.002
            o.lingerMilliseconds = count == nil ? 0 : 10_000  // a counted run delivers all it counted
            options = o
            publisher = try PacmanPublisher(options: o)
            Thread { [self] in
                let r = try? publisher.run { r in self.record(r.messages) }
                lock.lock(); report = r; finished = true; lock.unlock()
                done.signal()
            }.start()
        }

        private func record(_ sent: Int) {
            let t = Date().timeIntervalSince1970
            lock.lock(); samples.append((t, sent)); lock.unlock()
        }

        /// Whether the run has ended (count reached, or stopped).
        var isFinished: Bool { lock.lock(); defer { lock.unlock() }; return finished }

        /// Messages sent so far (as of the last progress sample).
        var sent: Int { lock.lock(); defer { lock.unlock() }; return samples.last?.1 ?? 0 }

        func waitUntilSent(_ n: Int, timeout: Double = 30) {
            let deadline = Date().addingTimeInterval(timeout)
            while sent < n && Date() < deadline { usleep(1_000) }
        }

        /// Stops and returns the final report.
        func finish() -> PublishReport {
            publisher.stop()
            done.wait()
            publisher.close()
            lock.lock(); defer { lock.unlock() }
            return report ?? PublishReport(messages: -1)
        }

        /// Waits for a count-limited run to end.
        func wait() -> PublishReport {
            done.wait()
            publisher.close()
            lock.lock(); defer { lock.unlock() }
            return report ?? PublishReport(messages: -1)
        }

        /// When the sender had sent `n` messages (unix seconds), from the progress samples.
        func time(whenSent n: Int) -> Double? {
            lock.lock(); defer { lock.unlock() }
            return samples.first { $0.1 >= n }?.0
        }

        /// The messages this emulator sends, in order, generated on demand.
        func sequence() -> MessageSequence { MessageSequence(seed: options.seed, words: options.words, time: options.messageTime!) }
    }

    struct MessageSequence {
        private var builder: PacmanMessageBuilder
        let words: ClosedRange<Int>
        let time: UInt32
        init(seed: UInt64, words: ClosedRange<Int>, time: UInt32) {
            builder = PacmanMessageBuilder(seed: seed)
            self.words = words
            self.time = time
        }
        mutating func next() -> [UInt8] {
            let w = builder.nextWordCount(in: words)
            return builder.nextDataMessage(words: w, time: time)
        }
    }

    // MARK: Checking

    struct Comparison {
        var messages = 0
        var bytes = 0
        /// The first difference, if any.
        var problem: String?
        /// `digest` of the files' messages, all files chained.
        var digest: UInt32 = 0
    }

    /// Compares files (in order) with the sequence (after skipping `skip` messages). io_groups
    /// must all be 1.
    static func compare(files: [String], with sequence: MessageSequence, skip: Int = 0) throws -> Comparison {
        var seq = sequence
        for _ in 0..<skip { _ = seq.next() }
        var out = Comparison()
        for f in files {
            let c = try RawFile.read(f)
            let msgs = c.messages ?? [], groups = c.headers[RawFileLayout.ioGroupsField] ?? []
            out.digest = digest(messages: msgs, groups: groups, chaining: out.digest)
            for (i, m) in msgs.enumerated() {
                let want = seq.next()
                if !ByteComparison.same(m, want) {
                    out.problem = "\(f) row \(i) (message \(skip + out.messages)): \(m.count) bytes, expected \(want.count) bytes"
                    return out
                }
                if groups[i] != 1 { out.problem = "\(f) row \(i): io_group \(groups[i])"; return out }
                out.messages += 1
                out.bytes += m.count
            }
        }
        return out
    }

    /// CRC-32 (zlib's) of each message's length (4 bytes LE), bytes and io_group, chained: what
    /// `oracleScript` prints, so that a whole file is compared in one number.
    static func digest(messages: [[UInt8]], groups: [Int], chaining crc0: UInt32 = 0) -> UInt32 {
        var crc = crc0
        for (m, g) in zip(messages, groups) {
            withUnsafeBytes(of: UInt32(m.count).littleEndian) { crc = CRC32.update(crc, $0) }
            m.withUnsafeBytes { crc = CRC32.update(crc, $0) }
            withUnsafeBytes(of: UInt8(truncatingIfNeeded: g)) { crc = CRC32.update(crc, $0) }
        }
        return crc
    }

    /// Opens each file with larpix-control's from_rawfile (swmr=True, retries off) and with plain
    /// h5py, first without SWMR, then with swmr=True; one JSON line per file.
    static let oracleScript = #"""
import json, os, sys, zlib
os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
import h5py
import larpix.format.rawhdf5format as r
r._file_read_reattempts = 1
for path in sys.argv[1:]:
    out = {'file': path, 'hdf5': h5py.version.hdf5_version}
    try:
        d = r.from_rawfile(path, attempts=1)
        crc = 0
        for m, g in zip(d['msgs'], d['msg_headers']['io_groups']):
            crc = zlib.crc32(len(m).to_bytes(4, 'little') + bytes(m) + bytes([int(g)]), crc)
        out['larpix_control'] = {'n': len(d['msgs']), 'crc': crc}
    except Exception as e:
        out['larpix_control'] = {'error': repr(e)[:300]}
    for mode, kw in (('plain', {}), ('swmr', {'swmr': True})):
        try:
            with h5py.File(path, 'r', libver='latest', **kw) as f:
                out[mode] = {'n': len(f['msgs']), 'headers': len(f['msg_headers'])}
        except Exception as e:
            out[mode] = {'error': repr(e)[:300]}
    print(json.dumps(out), flush=True)
"""#

    /// Runs `oracleScript` over `files` with `python`; one dictionary per file.
    func oracleOpen(python: String, files: [String]) throws -> [[String: Any]] {
        let script = dir.appendingPathComponent("open_check.py")
        try Self.oracleScript.write(to: script, atomically: true, encoding: .utf8)
        let r = try TestSupport.run(python, [script.path] + files)
        guard r.status == 0 else { throw HarnessError("open check failed (\(r.status)): \(r.stderr)") }
        return try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// zlib's CRC-32 (the zlib HDF5 links for gzip), so the tests can compare whole files with what
/// Python's zlib.crc32 computes, at zlib's speed even in a debug build.
enum CRC32 {
    private typealias Function = @convention(c) (UInt, UnsafePointer<UInt8>?, UInt32) -> UInt
    private static let function: Function = {
        let handle = dlopen("libz.so.1", RTLD_NOW)
        guard let sym = dlsym(handle, "crc32") else { fatalError("zlib's crc32 not found") }
        return unsafeBitCast(sym, to: Function.self)
    }()

    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(truncatingIfNeeded: function(UInt(crc), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }
}
