import Foundation
import Logging
import XCTest
import ZMQ
@testable import LArPixIngest

/// Large payloads are kept in ZeroMQ's own frames instead of copied into slabs (PayloadStore):
/// a batch must point at libzmq's buffer, and that buffer must stay intact while the batch lives.
final class HeldFramesTests: XCTestCase {
    struct Receiving {
        let pub: ZMQSocket
        let stats = IngestStats(bufferMaxBytes: 1 << 34)
        let batcher = Batcher(limits: .init(maxMessages: 1 << 20, maxBytes: 1 << 40, maxAge: .seconds(1 << 30)))
        let receiver: ReceiverThread

        init() throws {
            let (p, endpoint) = try PipelineHarness.publisher()
            pub = p
            let handoff = BurstHandoff(batcher: batcher, budget: MessageBudget(stats: stats), stats: stats)
            let source = try SourceReceiver(settings: PipelineHarness.source(endpoint, ioGroup: 1, name: "a"), context: ZMQContext(),
                                            handoff: handoff, logger: Logger(label: "test"))
            receiver = try ReceiverThread(name: "test receiver", sources: [source], handoff: handoff, logger: Logger(label: "test"))
            receiver.start()
            // PUB/SUB joins late: probe until one arrives, then start from an empty batcher.
            while stats.messagesReceived.load(ordering: .relaxed) == 0 {
                try pub.send([0x01])
                Thread.sleep(forTimeInterval: 0.02)
            }
            Thread.sleep(forTimeInterval: 0.2)
            _ = batcher.sealAndTakeAll()
        }

        /// Sends `messages` and returns the batches they arrived in.
        func exchange(_ messages: [[UInt8]]) throws -> [Batch] {
            let before = stats.messagesReceived.load(ordering: .relaxed)
            for m in messages { try pub.send(m) }
            PipelineHarness.wait(timeout: 20) { stats.messagesReceived.load(ordering: .relaxed) >= before + messages.count }
            return batcher.sealAndTakeAll()
        }

        func stop() {
            receiver.stop()
            receiver.join()
        }
    }

    /// Compared without printing megabytes on failure, by memcmp (a byte loop in a debug build
    /// took 40 s for these 150 MB).
    static func same(_ payloads: [UnsafeRawBufferPointer], _ sent: [[UInt8]]) -> Bool {
        payloads.count == sent.count && zip(payloads, sent).allSatisfy { p, s in
            p.count == s.count && (p.count == 0 || s.withUnsafeBytes { memcmp(p.baseAddress!, $0.baseAddress!, p.count) == 0 })
        }
    }

    /// `n` bytes of one value, the first eight the seed: distinct, and quick to make in debug builds.
    static func message(_ n: Int, _ seed: Int) -> [UInt8] {
        var m = [UInt8](repeating: UInt8(truncatingIfNeeded: seed &* 31 &+ 7), count: n)
        withUnsafeBytes(of: UInt64(seed).littleEndian) { s in for i in 0..<min(8, n) { m[i] = s[i] } }
        return m
    }

    func testALargePayloadIsZeroMQsOwnBufferAndStaysIntactWhileHeld() throws {
        let r = try Receiving()
        defer { r.stop() }
        let t = PayloadStore.holdFrom
        let sizes = [1, 100, 8192, t - 1, t, t + 1, 64 << 10, 1 << 20]
        let sent = sizes.enumerated().map { Self.message($1, $0) }
        let held = try r.exchange(sent)
        let payloads = held.flatMap(\.payloads)
        XCTAssertTrue(Self.same(payloads, sent), "received as sent")
        // ZeroMQ's own frames are what the batch keeps, and the large payloads are those frames.
        let frames = held.flatMap(\.owners).compactMap { $0 as? ZMQFrameBlock }.flatMap { b in (0..<b.count).map { b.frame($0) } }
        for (p, n) in zip(payloads, sizes) {
            let isFrame = frames.contains { $0.baseAddress == p.baseAddress && $0.count == p.count }
            XCTAssertEqual(isFrame, n >= t, "a \(n)-byte payload \(n >= t ? "must be" : "must not be") ZeroMQ's buffer")
        }
        XCTAssertEqual(frames.count, sizes.filter { $0 >= t }.count)
        // Many more messages through the same receiver (its receive frame, libzmq's buffers, the
        // allocator reusing what later batches free): the held bytes must not change.
        for round in 0..<4 {
            let more = (0..<400).map { Self.message([24, 4000, t, 3 * t, 200 << 10][$0 % 5], 1000 * round + $0) }
            let later = try r.exchange(more)
            XCTAssertTrue(Self.same(later.flatMap(\.payloads), more), "round \(round) received as sent")
        }
        XCTAssertTrue(Self.same(held.flatMap(\.payloads), sent), "held bytes changed")
    }
}
