@testable import LArPixIngest
import XCTest

/// Slabs and batches: payloads copied out of ZeroMQ stay intact, in order, for as long as a
/// batch holds them, and bursts are cut at the batch bounds.
final class BatchingTests: XCTestCase {
    private func payload(_ i: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &+ i &* 31) } }

    func testSlabsHoldCopiesAcrossSlabBoundsAndLargeMessagesGetTheirOwn() {
        var writer = SlabAllocator()
        var copies: [(UnsafeRawBufferPointer, MessageSlab)] = []
        var originals: [[UInt8]] = []
        func store(_ m: [UInt8]) -> MessageSlab {
            originals.append(m)
            copies.append(m.withUnsafeBytes { writer.store($0) })
            return copies.last!.1
        }
        // 3000 messages of 1000 B fill three 1 MiB slabs.
        for i in 0..<3000 { _ = store(payload(i, 1000)) }
        XCTAssertEqual(Set(copies.map { ObjectIdentifier($0.1) }).count, 3)
        let shared = writer.current
        // A large message that does not fit what is left gets a slab of its own, and the shared
        // slab stays current for the small messages that follow.
        let own = store(payload(3000, MessageSlab.sharedCapacity - 1000))
        XCTAssertFalse(own === shared)
        XCTAssertEqual(own.capacity, MessageSlab.sharedCapacity - 1000)
        XCTAssertTrue(store(payload(3001, 1000)) === shared)
        for (i, (copy, _)) in copies.enumerated() { XCTAssertEqual(Array(copy), originals[i], "message \(i)") }
    }

    func testBurstsAreCutAtTheBatchBoundsAndBatchesKeepTheirBytes() {
        let batcher = Batcher(limits: .init(maxMessages: 4, maxBytes: 1 << 30, maxAge: .seconds(1 << 30)))
        let stats = IngestStats()
        var originals: [[UInt8]] = []
        do {
            var writer = SlabAllocator()
            var burst = ReceivedBurst()
            for i in 0..<10 {
                let m = payload(i, 100 + i)
                originals.append(m)
                let (copy, slab) = m.withUnsafeBytes { writer.store($0) }
                burst.append(copy, ioGroup: UInt8(i % 3), in: slab)
            }
            batcher.add(burst)
            stats.received(burst, at: 42)
            // The receiver's slab writer and burst are gone now: only the batches hold the slab.
        }
        batcher.finish(deadline: .now + .seconds(60))
        guard case .batches(let batches) = batcher.next(timeout: 1) else { return XCTFail("no batches") }
        XCTAssertEqual(batches.map(\.count), [4, 4, 2])
        let payloads = batches.flatMap { $0.payloads.map { Array($0) } }
        XCTAssertEqual(payloads, originals)
        XCTAssertEqual(batches.flatMap(\.ioGroups), (0..<10).map { UInt8($0 % 3) })
        let table = stats.snapshot().ioGroups
        XCTAssertEqual(table.messagesReceived[0..<3], [4, 3, 3])
        XCTAssertEqual(table.bytesReceived[0..<3], [100 + 103 + 106 + 109, 101 + 104 + 107, 102 + 105 + 108])
        XCTAssertEqual(table.lastArrival[0..<4], [42, 42, 42, 0])
        XCTAssertEqual(table.active, [0, 1, 2])
    }
}
