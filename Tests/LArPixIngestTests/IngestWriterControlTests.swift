import Foundation
import LArPixRaw
import Synchronization
import XCTest
@testable import LArPixIngest

/// Control commands through the writer thread, against stand-in files: each acts on a batch
/// boundary (nothing lost or in two files), tags the files it opens, and replies with the paths.
final class IngestWriterControlTests: XCTestCase {
    typealias Rig = IngestWriterTests.Rig

    /// Sends a command and waits for its reply (the writer answers on its thread).
    func command(_ rig: Rig, _ r: ControlRequest) -> ControlReply {
        let box = Mutex<ControlReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        XCTAssertTrue(rig.writer.submit(r) { reply in box.withLock { $0 = reply }; done.signal() })
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "no reply to \(r.command)")
        return box.withLock { $0 } ?? ControlReply(ok: false, command: "timeout")
    }

    /// Optionals side by side, comparable.
    func d(_ v: Any?...) -> String { v.map { $0.map { String(describing: $0) } ?? "nil" }.joined(separator: " | ") }

    func written(_ rig: Rig) -> Int { rig.stats.messagesWritten.load(ordering: .relaxed) }

    func testStartRotateStopSplitFilesWhereAskedAndTagThem() throws {
        var rig = Rig()
        try rig.writer.start()
        let sent = IngestWriterTests.messages(0..<40)
        rig.receive(Array(sent[0..<10]))
        let start = command(rig, ControlRequest(command: .startRun, run: 42, subrun: nil, dataStream: "physics"))
        XCTAssertTrue(start.ok)
        XCTAssertEqual(d(start.closed, start.opened), d("/fake/f1.h5", "/fake/f2.h5"))
        XCTAssertEqual(d(start.run, start.subrun, start.dataStream, start.state), d(42, 1, "physics", "running"))
        rig.receive(Array(sent[10..<20]))
        let again = command(rig, ControlRequest(command: .startRun, run: 43))
        XCTAssertEqual(again.error, "run_already_started")
        let rotate = command(rig, ControlRequest(command: .rotate))
        XCTAssertEqual(d(rotate.closed, rotate.opened, rotate.subrun), d("/fake/f2.h5", "/fake/f3.h5", 2))
        rig.receive(Array(sent[20..<30]))
        let stop = command(rig, ControlRequest(command: .stopRun))
        XCTAssertEqual(d(stop.closed, stop.opened, stop.state), d("/fake/f3.h5", "/fake/f4.h5", "untagged"))
        XCTAssertEqual(command(rig, ControlRequest(command: .stopRun)).error, "no_run")
        rig.receive(Array(sent[30..<40]))
        rig.finish()
        let files = rig.files.files
        XCTAssertEqual(files.map(\.messages.count), [10, 10, 10, 10], "each command came after the batches before it")
        XCTAssertEqual(files.flatMap(\.messages), sent)
        XCTAssertEqual(files.map(\.run), [nil, RunTag(run: 42, subrun: 1, dataStream: "physics"),
                                          RunTag(run: 42, subrun: 2, dataStream: "physics"), nil])
        XCTAssertEqual(rig.stats.snapshot().controlCommands[ControlCount(command: "start-run", result: "ok")], 1)
        XCTAssertEqual(rig.stats.snapshot().controlCommands[ControlCount(command: "start-run", result: "run_already_started")], 1)
    }

    func testPauseAfterStopWritesNothingCountsItAndResumesAtStartRun() throws {
        var run = RunConfig()
        run.number = 5
        run.afterStop = .pause
        var rig = Rig(run: run)
        try rig.writer.start()
        rig.receive(IngestWriterTests.messages(0..<10))
        let stop = command(rig, ControlRequest(command: .stopRun))
        XCTAssertEqual(d(stop.closed, stop.opened, stop.state), d("/fake/f1.h5", nil, "paused"))
        XCTAssertEqual(rig.stats.snapshot().run, RunStatus(tag: nil, paused: true))
        rig.receive(IngestWriterTests.messages(10..<17))
        wait(until: { rig.stats.dropped(.paused) == 7 }, "7 paused drops")
        XCTAssertEqual(command(rig, ControlRequest(command: .rotate)).error, "paused")
        rig.writer.requestRotation()  // SIGHUP while paused opens nothing
        let start = command(rig, ControlRequest(command: .startRun, run: 6, subrun: 4))
        XCTAssertEqual(d(start.closed, start.opened, start.subrun), d(nil, "/fake/f2.h5", 4))
        rig.receive(IngestWriterTests.messages(17..<20))
        rig.finish()
        XCTAssertEqual(rig.files.files.map(\.messages.count), [10, 3])
        XCTAssertEqual(rig.files.files.map { $0.run?.run }, [5, 6])
        XCTAssertEqual(rig.budget.bytesInUse, 0, "paused messages gave their buffer share back")
    }

    func testCommandsAfterTheWriterEndedAreRefused() throws {
        let rig = Rig()
        try rig.writer.start()
        rig.finish()
        XCTAssertFalse(rig.writer.submit(ControlRequest(command: .status)) { _ in })
    }

    func wait(until condition: () -> Bool, _ what: String) {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }
}
