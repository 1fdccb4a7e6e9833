import XCTest
@testable import LArPixIngest

/// The writer's decisions, as the pure types that make them.
final class WriterPolicyTests: XCTestCase {
    func testFlushBySizeIsMeasuredInTheBuffersUnit() {
        // A 2 MiB buffer: the trigger is 1 MiB of buffer cost. 24-byte messages cost 234 each, so
        // the buffer holds 8,962 of them; counting payload bytes alone, the trigger would need
        // 43,690 and never fire before the buffer is full.
        let p = FlushPolicy(interval: 1000, bufferMaxBytes: 2 << 20)
        XCTAssertEqual(p.sizeTrigger, 1 << 20)
        let perMessage = MessageBudget.cost(messages: 1, payloadBytes: 24)
        XCTAssertEqual(perMessage, 234)
        let fitting = (2 << 20) / perMessage
        var unflushed = UnflushedBatches()
        XCTAssertEqual(unflushed.bufferCost, 0)
        XCTAssertEqual(p.decide(sinceLast: 1, lead: 0, unflushedCost: MessageBudget.cost(messages: fitting / 2 + 1, payloadBytes: 24 * (fitting / 2 + 1))), .bySize)
        XCTAssertEqual(p.decide(sinceLast: 1, lead: 0, unflushedCost: MessageBudget.cost(messages: fitting / 3, payloadBytes: 24 * fitting / 3)), .notDue)
        unflushed = UnflushedBatches()
        XCTAssertEqual(p.decide(sinceLast: 1000, lead: 0, unflushedCost: unflushed.bufferCost), .timed)
        XCTAssertEqual(FlushPolicy(interval: 1, bufferMaxBytes: 64 << 20).sizeTrigger, 8 << 20, "an eighth of a large buffer")
    }

    func testTimedFlushStartsEarlyByTheLastFlushButAtMostHalfTheInterval() {
        let p = FlushPolicy(interval: 1, bufferMaxBytes: 0)
        XCTAssertEqual(p.decide(sinceLast: 0.85, lead: 0.2, unflushedCost: 0), .timed)
        XCTAssertEqual(p.decide(sinceLast: 0.75, lead: 0.2, unflushedCost: 0), .notDue)
        XCTAssertEqual(p.lead(afterFlushTaking: 0.1), 0.1)
        XCTAssertEqual(p.lead(afterFlushTaking: 3), 0.5)
        XCTAssertEqual(p.untilDue(sinceLast: 0.25, lead: 0.25), 0.5, accuracy: 1e-12)
    }

    func testIdleInputFlushesWhatIsUnflushedAtOnceAndNothingElse() {
        let p = FlushPolicy(interval: 1, bufferMaxBytes: 0, idleDelay: 0.1)
        XCTAssertEqual(p.decide(sinceLast: 0.3, lead: 0, unflushedCost: 10, idleFor: 0.1, dirty: true), .idle)
        XCTAssertEqual(p.decide(sinceLast: 0.3, lead: 0, unflushedCost: 10, idleFor: 0.05, dirty: true), .notDue, "not idle yet")
        XCTAssertEqual(p.decide(sinceLast: 0.3, lead: 0, unflushedCost: 0, idleFor: 5, dirty: false), .notDue, "nothing to flush")
        XCTAssertEqual(p.decide(sinceLast: 1, lead: 0, unflushedCost: 10, idleFor: 5, dirty: true), .timed, "the interval still bounds")
        XCTAssertEqual(p.untilIdle(0.04)!, 0.06, accuracy: 1e-12)
        XCTAssertNil(p.untilIdle(0.2))
        let off = FlushPolicy(interval: 1, bufferMaxBytes: 0)
        XCTAssertEqual(off.decide(sinceLast: 0.3, lead: 0, unflushedCost: 10, idleFor: 100, dirty: true), .notDue, "idle_flush: 0")
        XCTAssertFalse(off.isIdle(100))
        XCTAssertNil(off.untilIdle(0))
    }

    func testRotationLimits() {
        let off = RotationPolicy()
        XCTAssertNil(off.room(messagesInFile: 1_000_000))
        XCTAssertNil(off.afterAppend(messagesInFile: 1 << 40, fileBytes: 1 << 40))
        XCTAssertNil(off.byAge(openFor: 1e9))
        let p = RotationPolicy(maxMessages: 100, maxBytes: 1000, maxSeconds: 2)
        XCTAssertEqual(p.room(messagesInFile: 30), 70)
        XCTAssertEqual(p.room(messagesInFile: 130), 0)
        XCTAssertEqual(p.afterAppend(messagesInFile: 100, fileBytes: 10), .maxMessages(100))
        XCTAssertEqual(p.afterAppend(messagesInFile: 99, fileBytes: 1000), .maxBytes(1000))
        XCTAssertNil(p.afterAppend(messagesInFile: 99, fileBytes: 999))
        XCTAssertEqual(p.byAge(openFor: 2), .maxSeconds(2))
        XCTAssertNil(p.byAge(openFor: 1.99))
    }

    func testCloseReasonsSayWhatTheSidecarsAndLogsHaveAlwaysSaid() {
        XCTAssertEqual("\(CloseReason.stop)", "stop")
        XCTAssertEqual("\(CloseReason.requested)", "rotation: requested (SIGHUP)")
        XCTAssertEqual("\(CloseReason.maxMessages(100))", "rotation: max_messages 100")
        XCTAssertEqual("\(CloseReason.maxBytes(4096))", "rotation: max_bytes 4096")
        XCTAssertEqual("\(CloseReason.maxSeconds(600))", "rotation: max_seconds 600.0")
        XCTAssertFalse(CloseReason.stop.isRotation)
        XCTAssertTrue(CloseReason.maxBytes(1).isRotation)
    }

    func testRetriesDoubleUpToTheirCapAndStopAtTheStopsOneDeadline() {
        let r = RetryPolicy()
        XCTAssertEqual(r.next(after: 0.1, .diskFull), 0.2, accuracy: 1e-12)
        XCTAssertEqual(r.next(after: 0.8, .diskFull), 1)
        XCTAssertEqual(r.next(after: 4, .writeFailed), 5)
        XCTAssertEqual(r.decide(delay: 0.4, secondsLeft: nil), .retry(after: 0.4))
        XCTAssertEqual(r.decide(delay: 0.4, secondsLeft: 0.25), .retry(after: 0.25), "never sleeps past the deadline")
        XCTAssertEqual(r.decide(delay: 0.4, secondsLeft: 0), .giveUp)
        XCTAssertEqual(r.decide(delay: 0.4, secondsLeft: -3), .giveUp)
    }

    func testDiskSpaceAdmitsWhatFitsWithItsMargin() throws {
        var disk = DiskSpace(directory: "/x")
        disk.free = { _ in DiskSpace.margin + 10 * DiskSpace.perMessage + 1000 + 500 }
        XCTAssertNoThrow(try disk.admit(messages: 10, bytes: 1000, pending: 500))
        XCTAssertThrowsError(try disk.admit(messages: 10, bytes: 1001, pending: 500))
        disk.free = { _ in nil }
        XCTAssertNoThrow(try disk.admit(messages: 1 << 30, bytes: 1 << 40, pending: 0), "a filesystem that cannot be asked is not refused")
    }
}

final class BacklogWatchTests: XCTestCase {
    func testWarnsAfterSustainedHighUseRepeatsRarelyAndSaysWhenOver() {
        var w = BacklogWatch()
        XCTAssertEqual(w.observe(fraction: 0.9, now: 0), .nothing)
        XCTAssertEqual(w.observe(fraction: 0.95, now: 4), .nothing, "not yet sustained")
        XCTAssertEqual(w.observe(fraction: 0.85, now: 5), .behind(seconds: 5))
        XCTAssertTrue(w.behind)
        XCTAssertEqual(w.observe(fraction: 0.9, now: 30), .nothing, "rate-limited")
        XCTAssertEqual(w.observe(fraction: 0.9, now: 65), .behind(seconds: 65))
        XCTAssertEqual(w.observe(fraction: 0.2, now: 70), .caughtUp(afterSeconds: 70))
        XCTAssertFalse(w.behind)
        XCTAssertEqual(w.observe(fraction: 0.9, now: 71), .nothing, "a new episode starts over")
        XCTAssertEqual(w.observe(fraction: 0.1, now: 72), .nothing, "a short spike says nothing")
    }
}
