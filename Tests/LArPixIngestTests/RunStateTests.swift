import LArPixRaw
import XCTest
@testable import LArPixIngest

/// The run state machine: untagged, running (subruns per file or fixed), paused.
final class RunStateTests: XCTestCase {
    func config(number: Int? = nil, subrun: Int = 1, policy: RunConfig.SubrunPolicy = .perFile,
                afterStop: RunConfig.AfterStop = .untagged) -> RunConfig {
        var c = RunConfig()
        c.number = number
        c.subrun = subrun
        c.subrunPolicy = policy
        c.afterStop = afterStop
        return c
    }

    func testNoRunSectionTagsNothing() {
        var s = RunState(config: RunConfig())
        XCTAssertNil(s.tagForNextFile())
        XCTAssertNil(s.tagForNextFile())
        XCTAssertEqual(s.stop(), .failure(.noRun))
    }

    func testEachFileOfARunIsTheNextSubrun() {
        var s = RunState(config: config(number: 7, subrun: 3))
        XCTAssertEqual((0..<3).map { _ in s.tagForNextFile()?.subrun }, [3, 4, 5])
        XCTAssertEqual(s.tagForNextFile(), RunTag(run: 7, subrun: 6, dataStream: "commissioning"))
    }

    func testAFailedOpenIsNotASubrun() {
        var s = RunState(config: config(number: 7, subrun: 3))
        XCTAssertEqual(s.nextTag?.subrun, 3)
        XCTAssertEqual(s.nextTag?.subrun, 3, "asking is not opening")
        s.fileOpened()
        XCTAssertEqual(s.nextTag?.subrun, 4)
    }

    func testAFixedSubrunStaysOnEveryFile() {
        var s = RunState(config: config(number: 7, subrun: 9, policy: .fixed))
        XCTAssertEqual((0..<3).map { _ in s.tagForNextFile()?.subrun }, [9, 9, 9])
    }

    func testStartWhileRunningIsRefusedAndChangesNothing() {
        var s = RunState(config: config(number: 7))
        XCTAssertEqual(s.start(run: 8, subrun: nil, dataStream: nil), .runAlreadyStarted(7))
        XCTAssertEqual(s.run, 7)
    }

    func testBadValuesAreRefused() {
        var s = RunState(config: RunConfig())
        for (run, sub, ds) in [(0, nil, nil), (-1, nil, nil), (Int(Int32.max) + 1, nil, nil), (5, -1, nil), (5, nil, ""), (5, nil, "a/b")] as [(Int, Int?, String?)] {
            guard case .badRun = s.start(run: run, subrun: sub, dataStream: ds) else { return XCTFail("accepted \(run) \(String(describing: sub)) \(String(describing: ds))") }
        }
        XCTAssertEqual(s.mode, .untagged)
    }

    func testStartStopStartUntagged() {
        var s = RunState(config: RunConfig())
        XCTAssertNil(s.start(run: 42, subrun: 5, dataStream: "physics"))
        XCTAssertEqual(s.tagForNextFile(), RunTag(run: 42, subrun: 5, dataStream: "physics"))
        XCTAssertEqual(s.stop(), .success(42))
        XCTAssertEqual(s.mode, .untagged)
        XCTAssertNil(s.tagForNextFile())
        // A new run starts at subrun 1 unless told otherwise, with the configured stream.
        XCTAssertNil(s.start(run: 43, subrun: nil, dataStream: nil))
        XCTAssertEqual(s.tagForNextFile(), RunTag(run: 43, subrun: 1, dataStream: "commissioning"))
    }

    func testStopWithPauseThenStartResumes() {
        var s = RunState(config: config(number: 1, afterStop: .pause))
        _ = s.tagForNextFile()
        XCTAssertEqual(s.stop(), .success(1))
        XCTAssertTrue(s.isPaused)
        XCTAssertNil(s.tagForNextFile())
        XCTAssertEqual(s.stop(), .failure(.noRun))
        XCTAssertNil(s.start(run: 2, subrun: nil, dataStream: nil))
        XCTAssertFalse(s.isPaused)
        XCTAssertEqual(s.tagForNextFile()?.run, 2)
    }
}
