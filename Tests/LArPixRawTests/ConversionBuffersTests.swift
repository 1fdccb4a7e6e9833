import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// Writers take their conversion buffers from the ones earlier writers gave back: what a file
/// holds never depends on what went through the buffers before.
final class ConversionBuffersTests: XCTestCase {
    func testAFileWrittenAfterOthersHoldsExactlyItsOwnMessages() throws {
        let dir = TestSupport.temporaryDirectory("conversion")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Long messages first (the buffers fill with their bytes and heap references), then short
        // ones, then none, then some again; two files open at once take two sets.
        let runs: [[[UInt8]]] = [
            (0..<3000).map { i in [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1000 + i % 700) },
            (0..<5000).map { i in [0x44, UInt8(truncatingIfNeeded: i)] },
            [],
            (0..<100).map { i in [UInt8](repeating: 0xee, count: i) },
        ]
        for (n, messages) in runs.enumerated() {
            let p = dir.appendingPathComponent("f\(n).h5").path
            try RawFile.write(p, messages: messages, headers: [RawFileLayout.ioGroupsField: messages.indices.map { $0 % 256 }])
            XCTAssertEqual(try RawFile.read(p).messages ?? [], messages, "file \(n)")
        }
        do {
            let a = try RawFileWriter.create(dir.appendingPathComponent("a.h5").path)
            let b = try RawFileWriter.create(dir.appendingPathComponent("b.h5").path)
            try a.append(messages: [[1, 2, 3]], ioGroups: [1])
            try b.append(messages: [[4, 5]], ioGroups: [2])
            try a.close(fsync: false)
            try b.close(fsync: false)
        }
        // Both sets are back once their writers are gone, and the next writer takes one of them
        // instead of allocating.
        let kept = ConversionBuffers.spareCount
        XCTAssertGreaterThanOrEqual(kept, 2)
        let c = try RawFileWriter.create(dir.appendingPathComponent("c.h5").path)
        XCTAssertEqual(ConversionBuffers.spareCount, kept - 1)
        try c.close(fsync: false)
        XCTAssertEqual(try RawFile.read(dir.appendingPathComponent("a.h5").path).messages ?? [], [[1, 2, 3]])
        XCTAssertEqual(try RawFile.read(dir.appendingPathComponent("b.h5").path).messages ?? [], [[4, 5]])
    }
}
