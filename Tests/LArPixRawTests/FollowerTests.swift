import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// RawFileFollower against a real SWMR writer in another process: larpix-control's h5py
/// (oracle.py swmr-writer) or this library's RawFileWriter (OwnWriterProcess).
final class FollowerTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("follow") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    struct Delivery: Equatable { var index: Int; var bytes: [UInt8]; var group: UInt8 }

    enum Writer { case h5py, ours(ordered: Bool, pageSize: Int) }

    /// Starts the writer process: larpix-control's h5py (oracle.py swmr-writer) or this library's
    /// RawFileWriter (OwnWriterProcess.run, in a copy of this test binary).
    func startWriter(_ writer: Writer, path p: String, total: Int, sizes: @escaping (Int) -> Int, steps: Int, sleep: Double,
                     ready: String, killAfterStep: Int = -1) throws -> (Process, URL, [[UInt8]], [UInt8]) {
        let msgs = Gen.messages(total, sizes: sizes)
        let groups = (0..<total).map { OwnWriterProcess.group($0) }
        let proc = Process()
        var env = ProcessInfo.processInfo.environment
        env["HDF5_USE_FILE_LOCKING"] = "FALSE"
        switch writer {
        case .h5py:
            let oracle = try Oracle.debian()
            let jsonl = dir.appendingPathComponent("in.jsonl")
            try Oracle.writeJSONL(jsonl, messages: msgs, ioGroups: groups)
            proc.executableURL = URL(fileURLWithPath: oracle.python)
            proc.arguments = [TestSupport.oracleScript("oracle.py"), "swmr-writer", p, "--from-jsonl", jsonl.path,
                              "--steps", "\(steps)", "--sleep", "\(sleep)", "--ready", ready]
        case .ours(let ordered, let pageSize):
            let spec = OwnWriterProcess.Spec(path: p, ready: ready, total: total, steps: steps, sleep: sleep,
                                             ordered: ordered, pageSize: pageSize, killAfterStep: killAfterStep)
            // The size function cannot cross processes: ours uses OwnWriterProcess.size.
            precondition((0..<min(total, 64)).allSatisfy { sizes($0) == OwnWriterProcess.size($0) })
            proc.executableURL = OwnWriterProcess.testBinary
            proc.arguments = [OwnWriterProcess.testName]
            env[OwnWriterProcess.environmentKey] = try spec.encoded()
        }
        proc.environment = env
        let errURL = dir.appendingPathComponent("writer.err")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        proc.standardError = try FileHandle(forWritingTo: errURL)
        proc.standardOutput = try FileHandle(forWritingTo: errURL)
        try proc.run()
        return (proc, errURL, msgs, groups)
    }

    func follow(_ writer: Writer = .h5py, total: Int, sizes: @escaping (Int) -> Int, steps: Int, sleep: Double, maxRows: Int) throws {
        let p = path("live.h5")
        let ready = path("ready")
        let (proc, errURL, msgs, groups) = try startWriter(writer, path: p, total: total, sizes: sizes, steps: steps,
                                                           sleep: sleep, ready: ready)
        defer { if proc.isRunning { proc.terminate() } }

        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: ready) && proc.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: ready), "writer never got ready: \((try? String(contentsOf: errURL, encoding: .utf8)) ?? "")")

        let follower = RawFileFollower(path: p)
        defer { follower.close() }
        var got: [Delivery] = []
        var polls = 0, nonEmptyPolls = 0, sawWhileOpen = 0
        while Date() < deadline {
            let exitedBefore = !proc.isRunning
            let retriesBefore = follower.retries
            let n = try follower.poll(maxRows: maxRows) { i, b, g in got.append(Delivery(index: i, bytes: Array(b), group: g)) }
            polls += 1
            if n > 0 {
                nonEmptyPolls += 1
                if !exitedBefore { sawWhileOpen += n }
            }
            // Done when the writer had exited before a poll that found nothing new and did not
            // fail (a failed poll returns 0 too).
            if exitedBefore && n == 0 && follower.retries == retriesBefore { break }
            Thread.sleep(forTimeInterval: 0.003)
        }
        proc.waitUntilExit()
        XCTAssertEqual(proc.terminationStatus, 0, (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")

        XCTAssertEqual(got.count, total, "delivered \(got.count) of \(total)")
        XCTAssertEqual(got.map(\.index), Array(0..<got.count), "out of order or duplicated")
        var bad = 0
        for d in got where d.index < total && (d.bytes != msgs[d.index] || d.group != groups[d.index]) { bad += 1 }
        XCTAssertEqual(bad, 0, "messages delivered with wrong bytes or io_group")
        XCTAssertEqual(follower.nextIndex, total)
        XCTAssertTrue(follower.writerHasClosed)
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
        XCTAssertGreaterThan(sawWhileOpen, 0, "the follower saw nothing while the writer was running")
        print("follower: \(total) messages in \(polls) polls (\(nonEmptyPolls) with data, \(sawWhileOpen) rows while the writer ran), \(follower.retries) reopen retries")
        // Nothing more to come.
        XCTAssertEqual(try follower.poll { _, _, _ in XCTFail("extra row") }, 0)
        XCTAssertEqual(try RawFile.read(p).messages, msgs)
    }

    func testFollowsALiveSWMRWriterWithoutLossOrDuplicates() throws {
        try follow(total: 4000, sizes: { 24 + 16 * ($0 % 32) }, steps: 20, sleep: 0.05, maxRows: 65536)
    }

    /// The daemon's own writer (RawFileWriter, ordered flush per batch) in another process.
    func testFollowsOurWriterInAnotherProcess() throws {
        try follow(.ours(ordered: true, pageSize: 0), total: 4000, sizes: OwnWriterProcess.size, steps: 20, sleep: 0.05, maxRows: 65536)
    }

    /// Fast small appends (100 flushes, 2 ms apart) with a busy follower: the setting in which
    /// HDF5's own reading of the message bytes hung for good (see DirectHeapReader).
    func testFollowsOurWriterUnderFastAppends() throws {
        for _ in 0..<2 {
            try follow(.ours(ordered: true, pageSize: 0), total: 10_000, sizes: OwnWriterProcess.size, steps: 100, sleep: 0.002, maxRows: 65536)
            try? FileManager.default.removeItem(atPath: path("live.h5"))
            try? FileManager.default.removeItem(atPath: path("ready"))
        }
    }

    func testFollowsOurWholeFileFlushPagedWriterInAnotherProcess() throws {
        try follow(.ours(ordered: false, pageSize: 4 << 20), total: 4000, sizes: OwnWriterProcess.size, steps: 20, sleep: 0.05, maxRows: 999)
    }

    /// kill -9 of our writer after a flush: every message flushed before the kill is readable
    /// (FORMAT.md section 3), the file keeps the SWMR mark, and after clearing it appends work.
    func testOurWriterKilledAfterAFlushLosesNothingFlushed() throws {
        for (ordered, pageSize) in [(true, 0), (false, 0), (true, 4 << 20)] {
            let p = path("killed-\(ordered)-\(pageSize).h5")
            let ready = path("ready-\(ordered)-\(pageSize)")
            let steps = 10, total = 2000, killAfter = 6
            let (proc, errURL, msgs, groups) = try startWriter(.ours(ordered: ordered, pageSize: pageSize), path: p, total: total,
                                                               sizes: OwnWriterProcess.size, steps: steps, sleep: 0.01,
                                                               ready: ready, killAfterStep: killAfter)
            proc.waitUntilExit()
            let log = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            XCTAssertEqual(proc.terminationReason, .uncaughtSignal, log)
            XCTAssertEqual(proc.terminationStatus, SIGKILL, log)
            let flushed = (killAfter + 1) * (total / steps)
            XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
            let c = try RawFile.read(p)
            XCTAssertEqual(c.messages?.count, flushed, "ordered=\(ordered) pageSize=\(pageSize)")
            XCTAssertEqual(c.messages, Array(msgs[0..<flushed]))
            XCTAssertEqual(c.headers["io_groups"], groups[0..<flushed].map(Int.init))
            Check.raw(try RawFileWriter.openForAppend(p), path: p, "append to the killed writer's file") {
                if case .openForWriting = $0 { return true } else { return false }
            }
            XCTAssertTrue(try SuperblockFlags.clear(p))
            let w = try RawFileWriter.openForAppend(p, ioVersion: "0.0")
            XCTAssertEqual(w.messageCount, flushed)
            try w.append(messages: Array(msgs[flushed...]), ioGroups: Array(groups[flushed...]))
            try w.close()
            XCTAssertEqual(try RawFile.read(p).messages, msgs)
            if let oracle = try? Oracle.debian() {
                XCTAssertEqual(try oracle.read(p).messages, msgs)
            }
        }
    }

    /// Small poll batches: the follower must carry on from where each poll stopped.
    func testFollowsWithSmallPollBatchesAndLargeMessages() throws {
        try follow(total: 400, sizes: { $0 % 10 == 0 ? 200_000 : 24 + $0 }, steps: 20, sleep: 0.03, maxRows: 7)
    }

    func testFollowerOnAClosedFileAndStartIndex() throws {
        let p = path("done.h5")
        let msgs = Gen.messages(50, sizes: { 10 + $0 })
        try RawFile.write(p, messages: msgs)
        let f = RawFileFollower(path: p, startIndex: 20)
        var got: [[UInt8]] = []
        XCTAssertEqual(try f.poll(maxRows: 100) { i, b, _ in XCTAssertEqual(i, 20 + got.count); got.append(Array(b)) }, 30)
        XCTAssertEqual(got, Array(msgs[20...]))
        XCTAssertEqual(try f.poll { _, _, _ in }, 0)
        XCTAssertTrue(f.writerHasClosed)
        f.close()
        // A follower of a missing or non-raw file throws (not transient).
        let missing = RawFileFollower(path: path("missing.h5"))
        XCTAssertThrowsError(try missing.poll { _, _, _ in }) { e in
            guard case .notFound = e as? RawFileError else { return XCTFail("\(e)") }
        }
    }

    /// The twice-read check compares rows byte for byte.
    func testRowsReadTwiceCompareByTheirBytes() {
        let rows: [[UInt8]] = [[1, 2, 3], [], [0xff], Array(repeating: 7, count: 70_000)]
        XCTAssertTrue(RawFileFollower.same(rows, rows.map { Array($0) }))
        XCTAssertTrue(RawFileFollower.same([], []))
        XCTAssertFalse(RawFileFollower.same(rows, Array(rows.dropLast())), "one row fewer")
        XCTAssertFalse(RawFileFollower.same([[1, 2, 3]], [[1, 2]]), "a shorter row")
        XCTAssertFalse(RawFileFollower.same([[1, 2, 3]], [[1, 2, 4]]), "a byte")
        var late = rows
        late[3][69_999] = 8
        XCTAssertFalse(RawFileFollower.same(rows, late), "the last byte of a long row")
        XCTAssertFalse(RawFileFollower.same([[]], [[0]]), "an empty row and a one-byte row")
    }
}
