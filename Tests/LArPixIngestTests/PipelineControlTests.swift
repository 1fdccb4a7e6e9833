import Foundation
import LArPixRaw
import Synchronization
import TestSupport
import XCTest
@testable import LArPixIngest

/// The pipeline's control entry: the token, bad lines, and refusals once stopped.
final class PipelineControlTests: XCTestCase {
    func ask(_ p: IngestPipeline, _ line: String) -> ControlReply {
        let box = Mutex<ControlReply?>(nil)
        let done = DispatchSemaphore(value: 0)
        p.control(line: Array(line.utf8)) { r in box.withLock { $0 = r }; done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success)
        return box.withLock { $0 } ?? ControlReply(ok: false, command: "timeout")
    }

    func testTokenBadLinesAndStop() throws {
        let dir = TestSupport.temporaryDirectory("pctl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pub, endpoint) = try PipelineHarness.publisher()
        defer { pub.close() }
        let p = PipelineHarness(directory: dir).daemon(sources: [PipelineHarness.source(endpoint, ioGroup: 1, name: "a")], controlToken: "s3cret")
        XCTAssertEqual(ask(p, #"{"command":"status","token":"s3cret"}"#).error, "unavailable", "not started")
        try p.start()
        XCTAssertEqual(ask(p, #"{"command":"status"}"#).error, "unauthorized")
        XCTAssertEqual(ask(p, #"{"command":"status","token":"wrong"}"#).error, "unauthorized")
        XCTAssertEqual(ask(p, #"{"command":"status","token":"s3cret"}"#).state, "untagged")
        XCTAssertEqual(ask(p, "{\"command\":"), ControlReply.refused("invalid", .badRequest("not a JSON object with integer run/subrun and string command/data_stream")))
        let start = ask(p, #"{"command":"start-run","run":5,"token":"s3cret"}"#)
        XCTAssertTrue(start.ok)
        p.stop()
        XCTAssertEqual(ask(p, #"{"command":"stop-run","token":"s3cret"}"#).error, "unavailable", "stopped")
        XCTAssertEqual(try RawFileReader(path: start.opened ?? "").metadata.run, RunTag(run: 5, subrun: 1, dataStream: "commissioning"))
        let counts = p.stats.snapshot().controlCommands
        XCTAssertEqual(counts[ControlCount(command: "status", result: "unauthorized")], 2)
        XCTAssertEqual(counts[ControlCount(command: "invalid", result: "bad_request")], 1)
    }
}
