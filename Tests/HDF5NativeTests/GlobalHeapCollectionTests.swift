import Foundation
import HDF5Native
import TestSupport
import XCTest

/// Collections built byte by byte: more objects than the index table starts with, gaps, a
/// repeated index, free space, and a torn tail. HDF5's own collections (4 KiB, fewer than 256
/// objects) never reach the table's growth; these do.
final class GlobalHeapCollectionTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("gcol") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// `v`'s low `n` bytes, little-endian.
    static func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    /// A version-1 collection with 8-byte lengths: each (index, bytes) as an object, then free space.
    static func collection(_ objects: [(UInt16, [UInt8])], freeSpace: Int = 64, tornTail: [UInt8] = []) -> [UInt8] {
        var body: [UInt8] = []
        for (index, bytes) in objects {
            body += le(UInt64(index), 2) + le(1, 2) + le(0, 4) + le(UInt64(bytes.count), 8) + bytes
            body += [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
        }
        body += le(0, 2) + le(0, 2) + le(0, 4) + le(UInt64(freeSpace), 8) + [UInt8](repeating: 0, count: freeSpace - 16)
        body += tornTail
        let size = 16 + body.count
        return Array("GCOL".utf8) + [1, 0, 0, 0] + le(UInt64(size), 8) + body
    }

    func read(_ bytes: [UInt8]) throws -> GlobalHeapCollection {
        let p = dir.appendingPathComponent("c\(bytes.count).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        let ctx = FormatContext(file: try FileBytes(path: p), sizeOfOffsets: 8, sizeOfLengths: 8, baseAddress: 0)
        return try GlobalHeapCollection.read(ctx, at: 0)
    }

    func bytes(_ c: GlobalHeapCollection, _ index: UInt64) -> [UInt8]? { c.object(index).map { Array($0) } }

    func testManyObjectsGapsAndARepeatedIndex() throws {
        // 1...1000 in order, then 3000 and 65535 (past every doubling), then 7 again: the later one is read.
        var objects: [(UInt16, [UInt8])] = (1...1000).map { i in (UInt16(i), (0..<(i % 13)).map { UInt8(truncatingIfNeeded: i &+ $0) }) }
        objects += [(3000, [1, 2, 3]), (65535, Array(repeating: 0xee, count: 9)), (7, [0xaa, 0xbb])]
        let c = try read(Self.collection(objects))
        XCTAssertNil(c.tornAt)
        for i in 1...1000 where i != 7 {
            XCTAssertEqual(bytes(c, UInt64(i)), (0..<(i % 13)).map { UInt8(truncatingIfNeeded: i &+ $0) }, "object \(i)")
        }
        XCTAssertEqual(bytes(c, 7), [0xaa, 0xbb])
        XCTAssertEqual(bytes(c, 3000), [1, 2, 3])
        XCTAssertEqual(bytes(c, 65535), Array(repeating: 0xee, count: 9))
        for missing: UInt64 in [0, 1001, 2999, 3001, 65534, 65536, 1 << 40] { XCTAssertNil(c.object(missing), "object \(missing)") }
    }

    func testATornTailKeepsTheWholeObjectsBeforeIt() throws {
        // After the objects, a header claiming more bytes than are left: the walk stops there.
        let le = Self.le
        let torn = le(400, 2) + le(1, 2) + le(0, 4) + le(1 << 20, 8) + [1, 2, 3, 4, 5, 6, 7, 8]
        let objects: [(UInt16, [UInt8])] = (1...300).map { (UInt16($0), [UInt8(truncatingIfNeeded: $0)]) }
        let image = Self.collection(objects, freeSpace: 16, tornTail: torn)
        let c = try read(image)
        XCTAssertEqual(c.tornAt, image.count - torn.count)
        for i in 1...300 { XCTAssertEqual(bytes(c, UInt64(i)), [UInt8(truncatingIfNeeded: i)], "object \(i)") }
        XCTAssertNil(c.object(400))
        XCTAssertNil(c.object(301))
    }
}
