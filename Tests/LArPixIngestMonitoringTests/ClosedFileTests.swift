import Foundation
import TestSupport
import XCTest
@testable import LArPixIngestMonitoring

/// What closed files get: checksums as Python computes them, and a latest link replaced atomically.
final class ClosedFileTests: XCTestCase {
    func testChecksumsAgreeWithPython() throws {
        let oracle = try Oracle.debian()
        let dir = TestSupport.temporaryDirectory("sums")
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 5551, 65536, (4 << 20) + 17] {
            let path = dir.appendingPathComponent("f\(size)").path
            var bytes = [UInt8](repeating: 0, count: size)
            bytes.withUnsafeMutableBytes { p in
                for i in stride(from: 0, to: size, by: 8) {
                    withUnsafeBytes(of: generator.next()) { r in p[i..<min(i + 8, size)].copyBytes(from: r.prefix(size - i)) }
                }
            }
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let ours = try FileChecksums.compute(path: path, blockBytes: 1 << 20)
            let r = try oracle.python("import sys, zlib, hashlib\nd = open(sys.argv[1], 'rb').read()\nprint('%08x %s' % (zlib.adler32(d), hashlib.sha256(d).hexdigest()))", [path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "\(ours.adler32Hex) \(ours.sha256Hex)", "size \(size)")
            XCTAssertEqual(ours.bytes, size)
        }
        XCTAssertThrowsError(try FileChecksums.compute(path: dir.appendingPathComponent("none").path))
    }

    func testLatestLinkPointsAtTheNewestFileAndRefusesToReplaceAFile() throws {
        let dir = TestSupport.temporaryDirectory("link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = LatestLink(directory: dir.path, name: "current")
        try link.point(at: dir.appendingPathComponent("a.h5").path)
        try link.point(at: dir.appendingPathComponent("b.h5").path)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "b.h5")
        let other = LatestLink(directory: dir.path, name: "plain")
        XCTAssertTrue(FileManager.default.createFile(atPath: other.path, contents: Data("x".utf8)))
        XCTAssertThrowsError(try other.point(at: dir.appendingPathComponent("b.h5").path))
        XCTAssertEqual(try String(contentsOfFile: other.path, encoding: .utf8), "x")
    }
}
