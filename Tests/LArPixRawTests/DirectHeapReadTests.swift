import CHDF5
import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// RawFileReader's direct reading of message bytes (DirectHeapReader), which live files use so
/// that HDF5 never parses a global heap collection a writer has not finished writing: it must
/// give exactly what HDF5 gives on every complete file, and a clean transient error (never a
/// hang) on a torn one.
final class DirectHeapReadTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("direct") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func readAll(_ p: String, _ mode: RawFileReader.HeapReads, block: Int = 1 << 30) throws -> ([[UInt8]], [UInt8]) {
        let r = try RawFileReader(path: p)
        defer { try? r.close() }
        r.heapReads = mode
        let n = try r.count()
        var msgs: [[UInt8]] = [], groups: [UInt8] = []
        var s = 0
        while s < n {
            let k = min(block, n - s)
            let (m, g) = try r.readMessages(start: s, count: k)
            msgs += m
            groups += g
            s += k
        }
        return (msgs, groups)
    }

    func assertSame(_ p: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let viaHDF5 = try readAll(p, .hdf5)
        for block in [1, 7, 1000, 1 << 30] {
            let direct = try readAll(p, .direct, block: block)
            XCTAssertEqual(direct.0, viaHDF5.0, "\(what), blocks of \(block)", file: file, line: line)
            XCTAssertEqual(direct.1, viaHDF5.1, "\(what), blocks of \(block)", file: file, line: line)
        }
        // Odd windows, crossing chunk boundaries.
        let r = try RawFileReader(path: p)
        defer { try? r.close() }
        r.heapReads = .direct
        let n = try r.count()
        for (s, k) in [(0, 0), (0, 1), (1023, 2), (n / 2, min(3000, n - n / 2)), (max(0, n - 1), min(1, n))] where s + k <= n {
            XCTAssertEqual(try r.readMessages(start: s, count: k).messages, Array(viaHDF5.0[s..<(s + k)]), "\(what) \(s)+\(k)", file: file, line: line)
        }
    }

    func testDirectReadsEqualHDF5sOnOurFiles() throws {
        let mixed = Gen.messages(3000, sizes: { [0, 1, 24, 100, 4000, 70_000][$0 % 6] })
        let groups = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        for (name, options) in [("gzip", RawFileWriter.Options()),
                                ("plain", RawFileWriter.Options(gzipLevel: nil)),
                                ("chunk7", RawFileWriter.Options(chunk: 7, gzipLevel: 9)),
                                ("paged", RawFileWriter.Options(pageSize: 1 << 20))] {
            let p = path("\(name).h5")
            let w = try RawFileWriter.create(p, options: options)
            try w.append(messages: Array(mixed[0..<1000]), ioGroups: Array(groups[0..<1000]))
            try w.flush()
            try w.append(messages: Array(mixed[1000...]), ioGroups: Array(groups[1000...]))
            try w.close()
            try assertSame(p, name)
            XCTAssertEqual(try readAll(p, .direct).0, mixed, name)
        }
        let big = path("big.h5")
        try RawFile.write(big, messages: [Gen.message(1, size: 4 << 20), [], Gen.message(2, size: 256 << 10)])
        try assertSame(big, "4 MiB")
        let empty = path("empty.h5")
        try RawFile.write(empty)
        try assertSame(empty, "no rows")
    }

    func testDirectReadsEqualHDF5sOnLarpixControlFiles() throws {
        let oracle = try Oracle.debian()
        let p = path("theirs.h5")
        let msgs = Gen.messages(2500, sizes: { 8 + 16 * ($0 % 40) })
        try oracle.write(p, messages: Array(msgs[0..<1200]), ioGroups: (0..<1200).map { UInt8($0 % 256) }, ioVersion: "0.0")
        try oracle.write(p, messages: Array(msgs[1200...]), ioGroups: (1200..<2500).map { UInt8($0 % 256) })
        try assertSame(p, "larpix-control")
        let fixed = path("fixed.h5")
        try oracle.make(fixed, kind: "fixed-strings")
        try assertSame(fixed, "h5py, empty message")
    }

    /// The direct reader's speed next to HDF5's, on 200,000 messages.
    func testDirectReadSpeed() throws {
        let p = path("speed.h5")
        let n = 200_000
        let w = try RawFileWriter.create(p)
        for b in 0..<(n / 4096 + 1) {
            let lo = b * 4096, hi = min(n, lo + 4096)
            if lo < hi { try w.append(messages: (lo..<hi).map { Gen.message($0, size: 24 + 16 * ($0 % 8)) }, ioGroups: (lo..<hi).map { UInt8($0 % 256) }) }
        }
        try w.close()
        var times: [RawFileReader.HeapReads: Double] = [:]
        var sums: [RawFileReader.HeapReads: Int] = [:]
        for mode in [RawFileReader.HeapReads.hdf5, .direct, .hdf5, .direct] {
            let r = try RawFileReader(path: p)
            r.heapReads = mode
            let t0 = Date()
            var sum = 0
            try r.forEachBlock(in: 0..<n) { (_, d, _) throws(RawFileError) in for x in d { sum &+= x.len } }
            times[mode] = Date().timeIntervalSince(t0)
            sums[mode] = sum
            try r.close()
        }
        XCTAssertEqual(sums[.hdf5], sums[.direct])
        print(String(format: "reading 200,000 messages: HDF5 %.3f s, direct %.3f s", times[.hdf5]!, times[.direct]!))
    }

    /// Marks a closed file as open by a writer (what a live or crashed writer leaves), with the
    /// superblock checksum HDF5 expects, so that readers treat it as live.
    func markOpen(_ p: String) throws {
        let h = try XCTUnwrap(FileHandle(forUpdatingAtPath: p))
        defer { try? h.close() }
        var b = [UInt8](try XCTUnwrap(h.read(upToCount: 48)))
        b[11] = 0x05
        let n = 12 + 4 * Int(b[9])
        let sum = SuperblockFlags.lookup3(Array(b[0..<n]))
        try h.seek(toOffset: 0)
        try h.write(contentsOf: Data(Array(b[0..<n]) + withUnsafeBytes(of: sum.littleEndian) { Array($0) }))
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
    }

    /// Byte ranges of the global heap collections holding message bytes (not the attribute's).
    func collections(_ data: Data) -> [(start: Int, size: Int)] {
        let b = [UInt8](data)
        var out: [(Int, Int)] = []
        var i = 0
        while i + 16 <= b.count {
            if b[i] == 0x47, b[i + 1] == 0x43, b[i + 2] == 0x4f, b[i + 3] == 0x4c, b[i + 4] == 1 {
                var size = 0
                for k in 0..<8 { size |= Int(b[i + 8 + k]) << (8 * k) }
                if size >= 4096 && i + size <= b.count { out.append((i, size)) }
            }
            i += 8
        }
        return out
    }

    /// A collection whose tail is zeros: HDF5 1.10.8's collection parser loops forever on it
    /// (an object of size 0); the direct reader must say "not yet complete" instead.
    func testTornCollectionIsATransientErrorNotAHang() throws {
        let p = path("torn.h5")
        try RawFile.write(p, messages: (0..<50).map { [UInt8](repeating: UInt8($0), count: 100 + $0) })
        var data = try Data(contentsOf: URL(fileURLWithPath: p))
        let cols = collections(data).filter { $0.size >= 8192 }
        let c = try XCTUnwrap(cols.first, "no message collection found")
        // Keep the header and three objects, zero the rest (what a half-written collection looks like).
        var q = c.start + 16
        for _ in 0..<3 {
            var osz = 0
            for k in 0..<8 { osz |= Int(data[q + 8 + k]) << (8 * k) }
            q += 16 + ((osz + 7) & ~7)
        }
        data.replaceSubrange(q..<(c.start + c.size), with: Data(count: c.start + c.size - q))
        try data.write(to: URL(fileURLWithPath: p))
        try markOpen(p)

        // Automatic mode picks the direct reader for a marked file.
        let e = Check.raw(try RawFile.read(p), path: p, "torn collection") { $0.isTransientForReader }
        XCTAssertTrue(e?.description.contains("not yet complete") ?? false, "\(String(describing: e))")
        // The first three messages are fine; the fourth is in the zeroed part.
        let r = try RawFileReader(path: p)
        defer { try? r.close() }
        XCTAssertEqual(try r.readMessages(start: 0, count: 3).messages, (0..<3).map { [UInt8](repeating: UInt8($0), count: 100 + $0) })
        Check.raw(try r.readMessages(start: 3, count: 1), path: p, "fourth message") { $0.isTransientForReader }
        // The native reader uses the same collection parser: the same transient error.
        let native = try RawFileReader(path: p, readPath: .native)
        XCTAssertEqual(try native.readMessages(start: 0, count: 3).messages, (0..<3).map { [UInt8](repeating: UInt8($0), count: 100 + $0) })
        Check.raw(try native.readMessages(start: 3, count: 1), path: p, "fourth message, native") { $0.isTransientForReader }
        // A follower neither fails nor hangs. Marked open by a writer other than larpix-rawd, the
        // rows wait for a longer extent (SettledRows), so nothing is read yet.
        let f = RawFileFollower(path: p)
        var got = 0
        XCTAssertEqual(try f.poll { _, _, _ in got += 1 }, 0)
        XCTAssertEqual(try f.poll { _, _, _ in got += 1 }, 0)
        XCTAssertEqual(got, 0)
        XCTAssertEqual(f.retries, 0)
        // Marked as larpix-rawd's (its driver claims the reader headroom), the rows count as
        // complete: the torn collection is met, and the follower retries.
        let sb = try XCTUnwrap(SuperblockFlags.readSuperblock(p))
        try SuperblockFlags.rewrite(p, flags: 0x05, endOfAllocation: try XCTUnwrap(SuperblockFlags.endOfAllocation(sb)) + SuperblockFlags.readerHeadroom)
        XCTAssertEqual(SuperblockFlags.writer(p), .ordered)
        XCTAssertEqual(try f.poll { _, _, _ in got += 1 }, 0)
        XCTAssertEqual(got, 0)
        XCTAssertEqual(f.retries, 1)
        f.close()
    }

    func testMissingCollectionSignatureAndTruncationAreTransient() throws {
        let p = path("nosig.h5")
        try RawFile.write(p, messages: (0..<50).map { [UInt8](repeating: UInt8($0), count: 100 + $0) })
        var data = try Data(contentsOf: URL(fileURLWithPath: p))
        let c = try XCTUnwrap(collections(data).filter { $0.size >= 8192 }.first)
        data.replaceSubrange(c.start..<(c.start + 16), with: Data(count: 16))      // header not written yet
        try data.write(to: URL(fileURLWithPath: p))
        try markOpen(p)
        Check.raw(try RawFile.read(p), path: p, "no GCOL header") { $0.isTransientForReader }

        // A collection cut off by the end of the file.
        let q = path("cut.h5")
        try RawFile.write(q, messages: (0..<50).map { [UInt8](repeating: UInt8($0), count: 100 + $0) })
        let d2 = try Data(contentsOf: URL(fileURLWithPath: q))
        let c2 = try XCTUnwrap(collections(d2).filter { $0.size >= 8192 }.first)
        if c2.start + c2.size == d2.count || c2.start + c2.size > d2.count - 4096 {
            // Only meaningful when the collection is the last thing in the file.
            try d2.prefix(c2.start + 100).write(to: URL(fileURLWithPath: q))
            try markOpen(q)
            let r = try? RawFileReader(path: q)
            if let r {
                Check.raw(try r.readMessages(start: 0, count: 50), path: q, "cut collection") { _ in true }
                try? r.close()
            }
        }
    }
}
