import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// The ordered driver writes a global heap collection that is already in the file over its older
/// version tail first, so that a live reader never parses a new object header over stale bytes
/// (ordered_vfd.c). It tells such a collection from a new one by the older bytes' first ones (a
/// new collection's space is a hole, read no further: BENCHMARKS.md measures that read). These
/// tests hold the driver to telling the two apart: rewrites where a collection grew, plain
/// writes for new ones, and the file whole either way.
final class HeapRewriteTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("heap-rewrite") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Small batches with a flush after each: every flush leaves room in the open collection, and
    /// the next batch's objects go into it, so the collection is written again over itself.
    func testACollectionGrownAfterAFlushIsRewrittenInOrder() throws {
        let p = dir.appendingPathComponent("grown.h5").path
        let w = try RawFileWriter.create(p)
        var all: [[UInt8]] = []
        for batch in 0..<12 {
            let msgs = Gen.messages(20, sizes: { 24 + 16 * ((batch + $0) % 5) })
            try w.append(messages: msgs, ioGroups: msgs.indices.map { _ in UInt8(batch % 4) })
            try w.flush()
            all += msgs
        }
        let s = try XCTUnwrap(w.orderedDriverStats)
        XCTAssertGreaterThanOrEqual(s.orderedRewrites, 10, "each flush after the first rewrites the grown collection")
        XCTAssertEqual(s.unorderedRewrites, 0)
        try w.close()
        XCTAssertEqual(try RawFile.read(p).messages, all)
    }

    /// Large batches fill collections before each flush: most of what is written is new
    /// collections (many of them below the end of the file, where a chunk went further on), and
    /// none of those counts as a rewrite; the file reads back whole.
    func testNewCollectionsAreWrittenPlainly() throws {
        let p = dir.appendingPathComponent("new.h5").path
        let w = try RawFileWriter.create(p)
        var all: [[UInt8]] = []
        for batch in 0..<4 {
            let msgs = Gen.messages(4096, sizes: { _ in 1032 })
            try w.append(messages: msgs, ioGroups: msgs.indices.map { _ in UInt8(batch + 1) })
            try w.flush()
            all += msgs
        }
        let s = try XCTUnwrap(w.orderedDriverStats)
        // 16 MiB of messages is about 260 collections of 64 KiB; only the few left with room at
        // a flush are written again (3 with HDF5 1.10.8).
        XCTAssertLessThanOrEqual(s.orderedRewrites, 8)
        XCTAssertEqual(s.unorderedRewrites, 0)
        try w.close()
        XCTAssertEqual(try RawFile.read(p).messages, all)
    }
}
