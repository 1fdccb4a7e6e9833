import CMalloc
import XCTest
@testable import LArPixIngest

/// When freed memory goes back to the kernel: kept while data flows, given back once per idle spell.
final class MemoryReturnTests: XCTestCase {
    func testIdleTrimOncePerIdleSpell() {
        var t = IdleTrim(after: 10)
        XCTAssertFalse(t.due(idleFor: 0))
        XCTAssertFalse(t.due(idleFor: 9.99))
        XCTAssertTrue(t.due(idleFor: 10))
        // Still idle: not again, however long.
        XCTAssertFalse(t.due(idleFor: 10.05))
        XCTAssertFalse(t.due(idleFor: 3600))
        // Input came: the next idle spell trims once more.
        XCTAssertFalse(t.due(idleFor: 0.01))
        XCTAssertFalse(t.due(idleFor: 5))
        XCTAssertTrue(t.due(idleFor: 12))
        XCTAssertFalse(t.due(idleFor: 13))
    }

    func testIdleTrimWaitsLongerThanTheGapsOfBurstyInput() {
        // A 2x2 beam spill every ~1.2 s: the gaps between spills must not give memory back.
        var t = IdleTrim()
        for _ in 0..<100 { XCTAssertFalse(t.due(idleFor: 1.2)); XCTAssertFalse(t.due(idleFor: 0)) }
    }

    func testFreedBlocksStayInTheHeapUntilGivenBack() {
        // Slab-sized blocks, freed as the writer frees batches: with glibc's defaults they would be
        // mmap'd and unmapped one by one (or trimmed off the heap's top at once).
        MemoryReturn.keep(upTo: 1 << 30)
        let size = 1 << 20, count = 8
        let blocks = (0..<count).map { _ in UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16) }
        for b in blocks { b.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size) }
        for b in blocks.reversed() { b.deallocate() }
        let kept = mallinfo2().keepcost  // the free top of the heap: what a trim can give back
        XCTAssertGreaterThanOrEqual(kept, count * size / 2)
        XCTAssertTrue(MemoryReturn.giveBack())
        XCTAssertLessThan(mallinfo2().keepcost, kept / 2)
    }
}
