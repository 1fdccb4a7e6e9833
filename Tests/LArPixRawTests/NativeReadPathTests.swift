import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// RawFileReader's native path (HDF5Native): files HDF5 1.10.8 cannot open (larpix-control's
/// `to_rawfile` through pip's h5py over HDF5 2.x) read as that same Python reads them, and on
/// every file both can read, the native path, forced, gives exactly what HDF5 gives.
final class NativeReadPathTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("native-path") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    struct Read: Equatable {
        var metadata: RawFileMetadata
        var messages: [[UInt8]]
        var ioGroups: [UInt8]
    }

    func readAll(_ p: String, _ mode: RawFileReader.ReadPath, block: Int = 1 << 30, limit: Int = .max) throws -> Read {
        let r = try RawFileReader(path: p, readPath: mode)
        defer { try? r.close() }
        let n = min(try r.count(), limit)
        var out = Read(metadata: r.metadata, messages: [], ioGroups: [])
        var s = 0
        while s < n {
            let k = min(block, n - s)
            let (m, g) = try r.readMessages(start: s, count: k)
            out.messages += m
            out.ioGroups += g
            s += k
        }
        return out
    }

    /// Native equals HDF5: metadata, every message and io_group, in several block sizes and
    /// through forEachBlock (the converter's API).
    func assertNativeEqualsHDF5(_ p: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let viaHDF5 = try readAll(p, .hdf5)
        for block in [7, 1000, 1 << 30] {
            XCTAssertEqual(try readAll(p, .native, block: block), viaHDF5, "\(what), blocks of \(block)", file: file, line: line)
        }
        let one = try readAll(p, .native, block: 1, limit: 300)
        XCTAssertEqual(one.messages, Array(viaHDF5.messages.prefix(300)), "\(what), one row at a time", file: file, line: line)
        let r = try RawFileReader(path: p, readPath: .native)
        defer { try? r.close() }
        XCTAssertEqual(r.readPath, .native, file: file, line: line)
        var streamed: [[UInt8]] = [], groups: [UInt8] = []
        try r.forEachBlock(in: 0..<(try r.count())) { (_, d, g) throws(RawFileError) in
            for i in 0..<d.count { streamed.append(Array(UnsafeRawBufferPointer(start: d[i].p, count: d[i].len))) }
            groups += g
        }
        XCTAssertEqual(streamed, viaHDF5.messages, "\(what), forEachBlock", file: file, line: line)
        XCTAssertEqual(groups, viaHDF5.ioGroups, "\(what), forEachBlock", file: file, line: line)
    }

    func testNativeEqualsHDF5OnOurFiles() throws {
        let mixed = Gen.messages(3000, sizes: { $0 % 60 == 5 ? 70_000 : [0, 1, 24, 100, 4000][$0 % 5] })
        let groups = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        for (name, options) in [("gzip", RawFileWriter.Options()), ("plain", RawFileWriter.Options(gzipLevel: nil)),
                                ("chunk7", RawFileWriter.Options(chunk: 7, gzipLevel: 9)), ("paged", RawFileWriter.Options(pageSize: 1 << 20))] {
            let p = path("\(name).h5")
            let w = try RawFileWriter.create(p, ioVersion: "0.0", options: options)
            try w.append(messages: Array(mixed[0..<1000]), ioGroups: Array(groups[0..<1000]))
            try w.flush()
            try w.append(messages: Array(mixed[1000...]), ioGroups: Array(groups[1000...]))
            try w.close()
            try assertNativeEqualsHDF5(p, name)
            XCTAssertEqual(try readAll(p, .native).messages, mixed, name)
        }
        let big = path("big.h5")
        try RawFile.write(big, messages: [Gen.message(1, size: 4 << 20), [], Gen.message(2, size: 256 << 10)])
        try assertNativeEqualsHDF5(big, "4 MiB")
        let empty = path("empty.h5")
        try RawFile.write(empty)
        try assertNativeEqualsHDF5(empty, "no rows")
        // An automatic reader keeps HDF5 for what HDF5 reads.
        XCTAssertEqual(try RawFileReader(path: big).readPath, .hdf5)
    }

    func testNativeEqualsHDF5OnLarpixControlFilesOverHDF5OneTen() throws {
        let oracle = try Oracle.debian()
        let p = path("theirs.h5")
        let msgs = Gen.messages(2500, sizes: { 8 + 16 * [1, 3, 40, 1000][$0 % 4] })
        try oracle.write(p, messages: Array(msgs[0..<1200]), ioGroups: (0..<1200).map { UInt8($0 % 7) }, ioVersion: "0.0")
        try oracle.write(p, messages: Array(msgs[1200...]), ioGroups: (1200..<2500).map { UInt8($0 % 3 + 1) })
        try assertNativeEqualsHDF5(p, "larpix-control over HDF5 1.10.8")
        let fixed = path("fixed.h5")
        try oracle.make(fixed, kind: "fixed-strings")
        try assertNativeEqualsHDF5(fixed, "h5py, fixed-length strings")
    }

    /// larpix-control's to_rawfile through pip's h5py (HDF5 2.x): several appends, several
    /// io_groups, messages of 1 to 16,000 words, and an empty file.
    func testLarpixControlOverHDF5TwoReadsAsItReadsItself() throws {
        let pip = try Oracle.h5py2()
        // 1 to 16,000 words (the largest only a few times: they cross the oracle as hex).
        let words = [1, 2, 6, 100, 4000, 16_000, 3, 1]
        let msgs = Gen.messages(1600, sizes: { i in 8 + 16 * (words[i % 8] >= 4000 && i > 40 ? 50 : words[i % 8]) })
        let groups = (0..<1600).map { UInt8([1, 2, 3, 7][$0 % 4]) }
        let p = path("hdf5-2.h5")
        try pip.write(p, messages: Array(msgs[0..<500]), ioGroups: Array(groups[0..<500]), ioVersion: "0.0")
        try pip.write(p, messages: Array(msgs[500..<1100]), ioGroups: Array(groups[500..<1100]))
        try pip.write(p, messages: Array(msgs[1100...]), ioGroups: Array(groups[1100...]))
        let before = try Data(contentsOf: URL(fileURLWithPath: p))
        Check.raw(try RawFileReader(path: p, readPath: .hdf5), path: p, "HDF5 1.10.8 reader") {
            if case .newerHDF5Format = $0 { return true } else { return false }
        }
        let theirs = try pip.read(p)
        let ours = try RawFile.read(p)
        XCTAssertEqual(ours.messages, theirs.messages)
        XCTAssertEqual(ours.messages, msgs)
        XCTAssertEqual(ours.headers["io_groups"], theirs.ioGroups.map(Int.init))
        XCTAssertEqual(ours.version, theirs.meta["version"] as? String)
        XCTAssertEqual(ours.ioVersion, theirs.meta["io_version"] as? String)
        // (Foundation's JSON parser on Linux rounds the last digits of these.)
        XCTAssertEqual(ours.created, try XCTUnwrap(theirs.meta["created"] as? Double), accuracy: 1e-5)
        XCTAssertEqual(ours.modified, try XCTUnwrap(theirs.meta["modified"] as? Double), accuracy: 1e-5)
        XCTAssertEqual(try RawFile.count(p), 1600)
        XCTAssertEqual(try RawFile.read(p, start: -10, headersOnly: true).headers["io_groups"], groups.suffix(10).map(Int.init))
        XCTAssertEqual(try RawFileReader(path: p).readPath, .native)
        // Appending stays refused, and leaves the file as HDF5 2.x wrote it.
        for (what, e) in [("write", Check.raw(try RawFile.write(p, messages: [[1]]), path: p, "append") { _ in true }),
                          ("openForAppend", Check.raw(try RawFileWriter.openForAppend(p), path: p, "append") { _ in true })] {
            guard case .newerHDF5Format = e else { return XCTFail("\(what): \(String(describing: e))") }
            XCTAssertEqual(e?.exitCode, 16)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p)), before)

        let empty = path("empty-2.h5")
        try pip.write(empty, messages: [], ioGroups: [])
        let e = try RawFile.read(empty)
        XCTAssertEqual(e.messages, [])
        XCTAssertEqual(e.version, "0.0")
    }

    /// Plain h5py over HDF5 2.x with every library bound it accepts: what larpix-control's
    /// from_rawfile (same Python) reads (its fixed-length string case is left out: from_rawfile
    /// itself fails on bytes attributes; HDF5NativeTests compares it with h5py); and, where HDF5 1.10.8 also reads the file, what it reads.
    func testPlainH5pyFilesOfEveryBound() throws {
        let pip = try Oracle.h5py2()
        let r = try TestSupport.run(pip.python, [TestSupport.oracleScript("native_cases.py"), dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let cases = r.stdout.split(separator: "\n").map(String.init).filter { ["libver_earliest", "libver_v108", "libver_v110", "libver_v112", "libver_latest", "contiguous"].contains($0) }
        XCTAssertEqual(cases.count, 6, "\(cases)")
        var hdf5Reads: [String] = []
        for name in cases {
            let p = path(name + ".h5")
            let theirs = try pip.read(p)
            let ours = try readAll(p, .automatic)
            XCTAssertEqual(ours.messages, theirs.messages, name)
            XCTAssertEqual(ours.ioGroups, theirs.ioGroups, name)
            XCTAssertEqual(ours.metadata.version, theirs.meta["version"] as? String, name)
            if (try? RawFileReader(path: p, readPath: .hdf5)) != nil {
                hdf5Reads.append(name)
                try assertNativeEqualsHDF5(p, name)
            }
        }
        XCTAssertTrue(hdf5Reads.contains("libver_earliest") && hdf5Reads.contains("libver_v110"), "\(hdf5Reads)")
        print("HDF5 1.10.8 also reads:", hdf5Reads)
    }

    /// A file our writer still has open for SWMR writing: the native reader sees each flush
    /// whole, or refuses with a transient error (the follower's contract).
    func testLiveFileReadsNatively() throws {
        let p = path("live.h5")
        let msgs = Gen.messages(5000, sizes: { 24 + 16 * ($0 % 9) })
        let w = try RawFileWriter.create(p)
        defer { try? w.close() }
        var flushed = 0
        for step in 0..<5 {
            try w.append(messages: Array(msgs[(step * 1000)..<((step + 1) * 1000)]), ioGroups: [UInt8](repeating: UInt8(step), count: 1000))
            try w.flush()
            flushed += 1000
            XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))
            do {
                let r = try RawFileReader(path: p, readPath: .native)
                let n = try r.count()
                XCTAssertLessThanOrEqual(n, flushed)
                XCTAssertEqual(try r.readMessages(start: 0, count: n).messages, Array(msgs[0..<n]), "step \(step)")
                try r.close()
            } catch let e {
                XCTAssertTrue(e.isTransientForReader, "step \(step): \(e)")
            }
        }
    }
}
