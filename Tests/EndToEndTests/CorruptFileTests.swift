import PACMAN
import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// `larpix-raw info`, `count`, `dump` and `verify` on 200 damaged files: valid files (written
/// by our writer and by larpix-control) truncated at random offsets, or with random bytes flipped
/// in their HDF5 metadata (superblock, object headers, B-trees, heaps). Every run must end, within
/// a timeout, with a documented exit status and one error line, or succeed with what it read
/// equal to the original file's messages. Never a signal, never a hang. The seed is printed;
/// LARPIX_CORRUPT_SEED repeats a run.
final class CorruptFileTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("corrupt") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let files = 200
    static let timeout = 20.0
    /// Exit statuses of `larpix-raw` for a file it cannot read (see `larpix-raw --help`).
    static let documented: Set<Int32> = Set(10...21)

    struct Original {
        var path: String
        var messages: [[UInt8]]
        var ioGroups: [UInt8]
        /// Each message as `dump --format hex` prints it, made once: 200 dumps check their lines
        /// against these (hex per dump line in a debug build was most of this test's CPU).
        var hex: [String]

        init(path: String, messages: [[UInt8]], ioGroups: [UInt8]) {
            (self.path, self.messages, self.ioGroups) = (path, messages, ioGroups)
            hex = messages.map { String.hex($0) }
        }
    }

    func testDamagedFilesGiveAClearErrorOrACorrectPartialRead() throws {
        let seed = ProcessInfo.processInfo.environment["LARPIX_CORRUPT_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("CorruptFileTests: seed \(seed) (LARPIX_CORRUPT_SEED=\(seed) repeats this run)")
        var rng = SplitMix64(seed: seed)
        let originals = try makeOriginals(&rng)

        // 200 damaged copies: half truncated, half with metadata bytes flipped.
        var damaged: [(path: String, original: Original, how: String)] = []
        for i in 0..<Self.files {
            let o = originals[i % originals.count]
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: o.path)))
            let how: String
            if i % 2 == 0 {
                let size = bytes.count, cut = Int.random(in: 1...size - 1, using: &rng)
                bytes.removeLast(size - cut)
                how = "truncated to \(cut) of \(size) bytes"
            } else {
                how = Self.flipMetadata(&bytes, &rng)
            }
            let p = dir.appendingPathComponent(String(format: "damaged_%03d.h5", i)).path
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            damaged.append((p, o, how))
        }

        // Every file through the four commands, six processes at a time (most of a failing run is HDF5 waiting between re-reads).
        let commands: [[String]] = [["info"], ["count"], ["dump", "--format", "hex"], ["verify"]]
        let jobs = damaged.indices.flatMap { i in commands.map { (i, $0) } }
        let results = ResultsBox(count: jobs.count)
        let binary = try CLI.binary()
        let paths = damaged.map(\.path)
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 6
        for (j, (i, command)) in jobs.enumerated() {
            queue.addOperation {
                results.set(j, Self.runBounded(binary, command + [paths[i]], timeout: Self.timeout))
            }
        }
        queue.waitUntilAllOperationsAreFinished()

        var statuses: [Int32: Int] = [:], partialReads = 0
        for (j, (i, command)) in jobs.enumerated() {
            let d = damaged[i], r = results.get(j)
            let what = "seed \(seed): larpix-raw \(command[0]) \((d.path as NSString).lastPathComponent) (\(d.how))"
            guard let r else { XCTFail("\(what): no result"); continue }
            if r.timedOut { XCTFail("\(what): still running after \(Self.timeout) s (a hang)"); continue }
            if let signal = r.signal { XCTFail("\(what): killed by signal \(signal); stderr: \(r.stderr)"); continue }
            statuses[r.status, default: 0] += 1
            if r.status == 0 || (command[0] == "verify" && r.status == 1) {
                if command[0] == "verify" && r.status == 1 { XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, what) }
                if let problem = Self.wrongRead(command[0], r.stdout, d.original) { XCTFail("\(what): \(problem)") }
                if command[0] == "dump" || command[0] == "count" { partialReads += 1 }
                continue
            }
            XCTAssertTrue(Self.documented.contains(r.status), "\(what): exit \(r.status) is not a documented one; stderr: \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(what): one error line, got: \(r.stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("larpix-raw: \(d.path)") == true, "\(what): the line names the file: \(r.stderr)")
        }
        print("CorruptFileTests: \(jobs.count) runs; exit statuses " + statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
              + "; \(partialReads) count/dump runs read data")
    }

    // MARK: The files

    func makeOriginals(_ rng: inout SplitMix64) throws -> [Original] {
        var out: [Original] = []
        // Ours: a small file, and one of several chunks with long messages (the heap spans collections).
        for (name, n, words) in [("ours_small", 12, 0...4), ("ours_big", 900, 0...60)] {
            let (messages, groups) = Self.messages(n, words: words, &rng)
            let p = dir.appendingPathComponent("\(name).h5").path
            try RawFile.write(p, messages: messages, headers: [RawFileLayout.ioGroupsField: groups.map(Int.init)], ioVersion: "0.0")
            out.append(Original(path: p, messages: messages, ioGroups: groups))
        }
        if let python = TestSupport.oraclePython {
            for (name, n) in [("larpix_control_small", 10), ("larpix_control_big", 600)] {
                let (messages, groups) = Self.messages(n, words: 0...40, &rng)
                let p = dir.appendingPathComponent("\(name).h5").path
                try Oracle(python: python).write(p, messages: messages, ioGroups: groups)
                out.append(Original(path: p, messages: messages, ioGroups: groups))
            }
        } else if TestSupport.oracleRequired {
            XCTFail("LARPIX_ORACLE_PYTHON missing: no larpix-control files")
        }
        return out
    }

    static func messages(_ n: Int, words: ClosedRange<Int>, _ rng: inout SplitMix64) -> ([[UInt8]], [UInt8]) {
        var builder = PacmanMessageBuilder(seed: rng.next())
        let messages = (0..<n).map { _ in builder.nextDataMessage(words: builder.nextWordCount(in: words), time: 1_700_000_000) }
        return (messages, (0..<n).map { _ in UInt8(Int.random(in: 0...255, using: &rng)) })
    }

    /// HDF5's metadata blocks start with a signature; a few bytes within the first 64 after one
    /// (or within the superblock) are changed. Global heap collections are damaged only in their
    /// 16-byte header: the message bytes themselves are data, which HDF5 does not check.
    static func flipMetadata(_ bytes: inout [UInt8], _ rng: inout SplitMix64) -> String {
        let signatures: [(String, Int)] = [("\u{89}HDF", 64), ("OHDR", 64), ("OCHK", 64), ("BTHD", 64), ("BTIN", 64), ("BTLF", 64),
                                           ("TREE", 64), ("HEAP", 32), ("SNOD", 64), ("FRHP", 64), ("FHDB", 64), ("FSHD", 64),
                                           ("FSSE", 64), ("GCOL", 16)]
        var regions: [(String, Int, Int)] = []
        for (sig, span) in signatures {
            let s = Array(sig.unicodeScalars.map { UInt8($0.value) })
            // memchr + memcmp: a byte-by-byte scan in a debug build was a third of this test's own CPU.
            bytes.withUnsafeBytes { b in
                s.withUnsafeBytes { needle in
                    let base = b.baseAddress!
                    var i = 0
                    while i + s.count <= b.count, let hit = memchr(base + i, Int32(s[0]), b.count - i) {
                        let at = UnsafeRawPointer(hit) - base
                        if at + s.count > b.count { break }
                        if memcmp(hit, needle.baseAddress!, s.count) == 0 { regions.append((sig, at, min(span, b.count - at))) }
                        i = at + 1
                    }
                }
            }
        }
        let (sig, start, span) = regions[Int.random(in: 0...regions.count - 1, using: &rng)]
        let flips = Int.random(in: 1...4, using: &rng)
        var offsets: [Int] = []
        for _ in 0..<flips {
            let at = start + Int.random(in: 0...span - 1, using: &rng)
            bytes[at] ^= UInt8(Int.random(in: 1...255, using: &rng))
            offsets.append(at)
        }
        return "\(flips) byte(s) changed at \(offsets) in the \(sig.trimmingCharacters(in: .controlCharacters)) block at \(start)"
    }

    // MARK: Checking output

    /// Why a successful command's output is not a correct (possibly partial) read of `o`; nil when it is.
    static func wrongRead(_ command: String, _ stdout: String, _ o: Original) -> String? {
        switch command {
        case "count":
            guard let n = Int(stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else { return "count printed \(stdout)" }
            return n <= o.messages.count ? nil : "count \(n) is more than the \(o.messages.count) messages written"
        case "dump":
            for line in stdout.split(separator: "\n") {
                let f = line.split(separator: " ")
                guard f.count == 3 || (f.count == 2 && line.hasSuffix(" ")), let i = Int(f[0]), let g = UInt8(f[1]) else { return "dump line \(line)" }
                guard i >= 0 && i < o.messages.count else { return "dump printed message \(i) of \(o.messages.count)" }
                let hex = f.count == 3 ? String(f[2]) : ""
                if g != o.ioGroups[i] || hex != o.hex[i] { return "dump message \(i) differs from the one written" }
            }
            return nil
        default:
            return nil
        }
    }

    struct Run: Sendable {
        var status: Int32 = 0
        var signal: Int32? = nil
        var timedOut = false
        var stdout = ""
        var stderr = ""
    }

    /// Runs the tool; kills it after `timeout` seconds.
    static func runBounded(_ binary: String, _ args: [String], timeout: Double) -> Run {
        do {
            let p = try CLI.Background(binary, args)
            var r = Run()
            do { r.status = try p.wait(timeout: timeout) } catch {
                r.timedOut = true
                return r
            }
            if p.process.terminationReason == .uncaughtSignal { r.signal = r.status }
            r.stdout = p.stdout
            r.stderr = p.stderr
            return r
        } catch {
            return Run(status: -1, stderr: "could not start: \(error)")
        }
    }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CorruptFileTests.Run?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: CorruptFileTests.Run) { lock.lock(); results[i] = r; lock.unlock() }
    func get(_ i: Int) -> CorruptFileTests.Run? { lock.lock(); defer { lock.unlock() }; return results[i] }
}
