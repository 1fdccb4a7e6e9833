import Foundation
import PACMAN
import XCTest
@testable import LArPixIngest

/// The byte budget and the intake policy, alone.
final class BufferAndIntakeTests: XCTestCase {
    func testBudgetChargesOverheadAdmitsAnOversizeMessageAloneAndNeverWaitsAfterClose() {
        let stats = IngestStats(bufferMaxBytes: 1000)
        let budget = MessageBudget(stats: stats)
        XCTAssertTrue(budget.tryTake(payloadBytes: 100))
        XCTAssertEqual(budget.bytesInUse, 100 + MessageBudget.messageOverhead)
        XCTAssertEqual(stats.snapshot().bufferBytes, budget.bytesInUse, "the snapshot sees the same bytes")
        XCTAssertTrue(budget.tryTake(payloadBytes: 400))
        XCTAssertFalse(budget.tryTake(payloadBytes: 400), "over the budget with something buffered")
        budget.give(messages: 2, payloadBytes: 500)
        XCTAssertEqual(budget.bytesInUse, 0)
        XCTAssertTrue(budget.tryTake(payloadBytes: 5000), "a message larger than the budget is admitted when nothing else is")
        XCTAssertFalse(budget.tryTake(payloadBytes: 1))
        budget.close()
        XCTAssertTrue(budget.tryTake(payloadBytes: 1), "after close nothing waits")
        budget.give(messages: 2, payloadBytes: 5001)
        XCTAssertEqual(budget.bytesInUse, 0)
    }

    func testATakeThatWaitsResumesWhenBytesComeBack() {
        let stats = IngestStats(bufferMaxBytes: 1000)
        let budget = MessageBudget(stats: stats)
        budget.take(payloadBytes: 700)
        let taken = DispatchSemaphore(value: 0)
        Thread { budget.take(payloadBytes: 700); taken.signal() }.start()
        XCTAssertEqual(taken.wait(timeout: .now() + 0.2), .timedOut, "the second take must wait while the first is held")
        budget.give(messages: 1, payloadBytes: 700)
        XCTAssertEqual(taken.wait(timeout: .now() + 30), .success)
        XCTAssertGreaterThan(stats.blockedNanoseconds.load(ordering: .relaxed), 0)
    }

    func bytes(_ b: [UInt8], _ body: (UnsafeRawBufferPointer) -> IntakePolicy.Verdict) -> IntakePolicy.Verdict { b.withUnsafeBytes(body) }

    func refusal(_ v: IntakePolicy.Verdict) -> DropReason? {
        if case .refuse(let r) = v { return r }
        return nil
    }

    func testIntakeRefusesByReason() {
        var builder = PacmanMessageBuilder(seed: 1)
        let good = builder.nextDataMessage(words: 2, time: 7)
        let raw = IntakePolicy(ioGroup: 3, maxMessageBytes: 64, validation: .raw)
        let strict = IntakePolicy(ioGroup: 3, maxMessageBytes: 64, validation: .strict)
        XCTAssertEqual(refusal(bytes([]) { raw.judge(single: $0) }), .empty)
        XCTAssertEqual(refusal(bytes([UInt8](repeating: 0x44, count: 65)) { raw.judge(single: $0) }), .oversized)
        XCTAssertNil(refusal(bytes([1, 2, 3]) { raw.judge(single: $0) }), "raw stores any non-empty message")
        XCTAssertEqual(refusal(bytes([1, 2, 3]) { strict.judge(single: $0) }), .tooShort)
        XCTAssertEqual(refusal(bytes(Array(good.dropLast())) { strict.judge(single: $0) }), .lengthMismatch)
        if case .store(let p, let g) = bytes(good, { strict.judge(single: $0) }) {
            XCTAssertEqual(p.count, good.count)
            XCTAssertEqual(g, 3)
        } else { XCTFail("a well-formed message is stored") }
        // Tagged sources: exactly (one-byte io_group, payload).
        let tagged = IntakePolicy(ioGroup: nil, maxMessageBytes: 64, validation: .raw)
        [UInt8(9)].withUnsafeBytes { tag in
            good.withUnsafeBytes { payload in
                if case .store(_, let g) = tagged.judge([tag, payload]) { XCTAssertEqual(g, 9) } else { XCTFail("tagged") }
                XCTAssertEqual(refusal(tagged.judge([payload])), .badTag)
                XCTAssertEqual(refusal(tagged.judge([payload, payload])), .badTag)
                XCTAssertEqual(refusal(raw.judge([payload, payload])), .multipart)
            }
        }
        XCTAssertGreaterThanOrEqual(raw.connectionLimitBytes, 2 * 64)
    }
}
