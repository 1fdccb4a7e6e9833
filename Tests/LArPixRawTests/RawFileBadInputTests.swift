import Foundation
@testable import LArPixRaw
import TestSupport
import XCTest

/// Every way a path can fail to be a readable or appendable raw file: the exact RawFileError
/// case, and a one-line description naming the path.
final class RawFileBadInputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("badinput") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The read-side entry points, and the append-side ones, all giving the same case.
    func assertAll(_ p: String, _ what: String, appendToo: Bool = true, file: StaticString = #filePath, line: UInt = #line,
                   _ matches: @escaping (RawFileError) -> Bool) {
        Check.raw(try RawFile.read(p), path: p, "\(what): read", file: file, line: line, matches)
        Check.raw(try RawFile.read(p, headersOnly: true), path: p, "\(what): read headers", file: file, line: line, matches)
        Check.raw(try RawFile.count(p), path: p, "\(what): count", file: file, line: line, matches)
        Check.raw(try RawFileReader(path: p), path: p, "\(what): reader", file: file, line: line, matches)
        Check.raw(try RawFileReader(path: p, swmr: false), path: p, "\(what): non-SWMR reader", file: file, line: line, matches)
        if appendToo {
            Check.raw(try RawFileWriter.openForAppend(p), path: p, "\(what): openForAppend", file: file, line: line, matches)
            Check.raw(try RawFile.write(p, messages: [[1]]), path: p, "\(what): write", file: file, line: line, matches)
        }
    }

    func testMissingFile() {
        let p = path("nope.h5")
        assertAll(p, "missing", appendToo: false) { if case .notFound = $0 { return true } else { return false } }
        Check.raw(try RawFileWriter.openForAppend(p), path: p, "missing: append") {
            if case .notFound = $0 { return true } else { return false }
        }
        XCTAssertEqual(RawFileError.notFound(path: p).exitCode, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: p))
    }

    func testDirectory() {
        let p = path("adir.h5")
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        assertAll(p, "directory") { if case .isDirectory = $0 { return true } else { return false } }
        Check.raw(try RawFileWriter.create(p), path: p, "directory: create") {
            if case .exists = $0 { return true } else { return false }
        }
    }

    func testTextAndEmptyFilesAreNotHDF5() throws {
        let p = path("text.h5")
        try "this is not HDF5\n".write(toFile: p, atomically: true, encoding: .utf8)
        assertAll(p, "text") { if case .notHDF5 = $0 { return true } else { return false } }
        XCTAssertEqual(try String(contentsOfFile: p, encoding: .utf8), "this is not HDF5\n", "a refused append must not touch it")
        let q = path("empty.h5")
        _ = FileManager.default.createFile(atPath: q, contents: Data())
        assertAll(q, "empty") { if case .notHDF5 = $0 { return true } else { return false } }
        XCTAssertEqual(RawFileError.notHDF5(path: p).exitCode, 12)
    }

    func testTruncatedHDF5FileFailsCleanly() throws {
        let good = path("good.h5")
        try RawFile.write(good, messages: Gen.messages(500, sizes: { 100 + $0 }))
        let data = try Data(contentsOf: URL(fileURLWithPath: good))
        for cut in [48, 600, data.count / 2] {
            let p = path("cut\(cut).h5")
            try data.prefix(cut).write(to: URL(fileURLWithPath: p))
            // Some HDF5 error, never a crash; one line naming the file.
            Check.raw(try RawFile.read(p), path: p, "truncated at \(cut)") { _ in true }
        }
    }

    func testHDF5FilesWithoutTheRawLayout() throws {
        let oracle = try Oracle.debian()
        let kinds: [(String, String)] = [
            ("plain", "no /meta"), ("no-meta", "no /meta"), ("meta-dataset", "/meta is not a group"),
            ("no-msgs", "no /msgs"), ("msgs-group", "/msgs is not a dataset"),
            ("msgs-int", "/msgs is not a variable-length sequence of uint8"),
            ("msgs-vlen-i2", "/msgs is not a variable-length sequence of uint8"),
            ("headers-u2", "io_groups"), ("headers-no-field", "io_groups"),
            ("no-version", "version"), ("created-string", "created"), ("created-array", "created"),
            ("version-array", "version"), ("bad-version", "zero"),
        ]
        for (kind, reason) in kinds {
            let p = path("\(kind).h5")
            try oracle.make(p, kind: kind)
            assertAll(p, kind) {
                if case .notRawLayout(_, let r) = $0 { return r.contains(reason) } else { return false }
            }
            XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p), "\(kind): a refused append left the file marked")
        }
        XCTAssertEqual(RawFileError.notRawLayout(path: "x", reason: "y").exitCode, 13)
    }

    /// A raw file whose version strings are fixed-length byte strings (what numpy 'S' gives)
    /// and whose created is an integer: still a raw file (FORMAT.md says "scalar string").
    func testFixedLengthStringMetadataIsRead() throws {
        let oracle = try Oracle.debian()
        let p = path("fixed.h5")
        try oracle.make(p, kind: "fixed-strings")
        let c = try RawFile.read(p, version: "0.0", ioVersion: "0.0")
        XCTAssertEqual(c.version, "0.0")
        XCTAssertEqual(c.ioVersion, "0.0")
        XCTAssertEqual(c.created, 5)
        XCTAssertEqual(c.modified, 6.5)
        XCTAssertEqual(c.messages, [[0x44, 0x01], [], [UInt8](repeating: 0xff, count: 30)])
        XCTAssertEqual(c.headers["io_groups"], [3, 0, 255])
        try RawFile.write(p, messages: [[9]], headers: ["io_groups": [9]], ioVersion: "0.0")
        XCTAssertEqual(try RawFile.read(p).messages?.last, [9])
    }

    /// pip's h5py 3.16 (HDF5 2.0, libver "latest") writes a file Debian's HDF5 1.10.8 cannot open:
    /// opening /msgs fails with "bad version number for layout message". Reading goes through
    /// the native reader (NativeReadPathTests); appending must say newerHDF5Format (exit 16) and
    /// leave the file as HDF5 2.0 wrote it.
    func testFileFromHDF5TwoIsNewerFormat() throws {
        let deb = try Oracle.debian()
        let pip = try Oracle.h5py2()
        let p = path("hdf5-2.h5")
        let msgs = Gen.messages(20, sizes: { 24 + $0 })
        let groups = (0..<20).map { UInt8($0) }
        try pip.write(p, messages: msgs, ioGroups: groups, ioVersion: "0.0")
        let before = try Data(contentsOf: URL(fileURLWithPath: p))

        // Debian's h5py cannot read it either: the premise of the test.
        let r = try deb.run(["read", p])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("bad version number for layout message"), r.stderr)

        let newer: (RawFileError) -> Bool = {
            if case .newerHDF5Format(_, let d) = $0 { return d.contains("layout message") } else { return false }
        }
        Check.raw(try RawFileReader(path: p, readPath: .hdf5), path: p, "HDF5 1.10.8 reader", newer)
        Check.raw(try RawFileWriter.openForAppend(p), path: p, "openForAppend", newer)
        Check.raw(try RawFile.write(p, messages: [[1]]), path: p, "write", newer)
        let c = try RawFile.read(p)
        XCTAssertEqual(c.messages, msgs)
        XCTAssertEqual(c.headers["io_groups"], groups.map(Int.init))
        let e = RawFileError.newerHDF5Format(path: p, detail: "x")
        XCTAssertEqual(e.exitCode, 16)
        XCTAssertTrue(e.description.contains("newer HDF5"))
        XCTAssertTrue(e.description.contains("1.10"), e.description)

        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p)), before, "a refused append changed the file")
        let h = try pip.read(p, command: "h5py-read")
        XCTAssertEqual(h.messages, msgs)
        XCTAssertEqual(h.ioGroups, groups)
        XCTAssertTrue((h.meta["hdf5"] as? String ?? "").hasPrefix("2."))
    }

    func testCreateRefusals() throws {
        let existing = path("exists.h5")
        try RawFile.write(existing, messages: [[1, 2, 3]])
        let before = try Data(contentsOf: URL(fileURLWithPath: existing))
        let e = Check.raw(try RawFileWriter.create(existing), path: existing, "create over a raw file") {
            if case .exists = $0 { return true } else { return false }
        }
        XCTAssertEqual(e?.exitCode, 18)
        let text = path("exists.txt")
        try "x".write(toFile: text, atomically: true, encoding: .utf8)
        Check.raw(try RawFileWriter.create(text), path: text, "create over a text file") {
            if case .exists = $0 { return true } else { return false }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: existing)), before)
        XCTAssertEqual(try String(contentsOfFile: text, encoding: .utf8), "x")

        let missingDir = path("no/such/dir/new.h5")
        let e2 = Check.raw(try RawFileWriter.create(missingDir), path: missingDir, "create in a missing directory") {
            if case .notWritable(_, let r) = $0 { return r.contains("does not exist") } else { return false }
        }
        XCTAssertEqual(e2?.exitCode, 19)
        Check.raw(try RawFile.write(missingDir, messages: [[1]]), path: missingDir, "write in a missing directory") {
            if case .notWritable = $0 { return true } else { return false }
        }
        let underFile = text + "/new.h5"
        Check.raw(try RawFileWriter.create(underFile), path: underFile, "create under a regular file") {
            if case .notWritable(_, let r) = $0 { return r.contains("not a directory") } else { return false }
        }
        Check.raw(try RawFile.write(underFile), path: underFile, "write under a regular file") {
            if case .notWritable = $0 { return true } else { return false }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missingDir))
        Check.raw(try RawFileWriter.create(path("bad-io.h5"), ioVersion: "zero"), path: path("bad-io.h5"), "bad io_version") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("bad-io.h5")))
    }

    /// A real SWMR writer (h5py in a subprocess) appends, flushes and dies with the file open:
    /// the superblock keeps the mark, appending is refused (.openForWriting), reading works;
    /// after SuperblockFlags.clear the file opens for append and every flushed message is there.
    func testCrashedSWMRWriterMarkAndClear() throws {
        let oracle = try Oracle.debian()
        for kill in [false, true] {
            let p = path("crashed-\(kill).h5")
            let first = Gen.messages(30, sizes: { 24 + 16 * ($0 % 4) })
            try RawFile.write(p, messages: first, headers: ["io_groups": (0..<30).map { $0 % 4 }], ioVersion: "0.0")
            let flushed = Gen.messages(70, sizes: { 8 + $0 })
            let flushedGroups = (0..<70).map { UInt8(200 + $0 % 50) }
            XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
            try oracle.swmrCrash(p, messages: flushed, ioGroups: flushedGroups, kill: kill)
            XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p), "kill=\(kill): the crashed writer's mark is not set")

            let e = Check.raw(try RawFileWriter.openForAppend(p), path: p, "append to a marked file") {
                if case .openForWriting = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 20)
            Check.raw(try RawFile.write(p, messages: [[1]]), path: p, "write to a marked file") {
                if case .openForWriting = $0 { return true } else { return false }
            }
            Check.raw(try RawFileReader(path: p, swmr: false), path: p, "non-SWMR reader of a marked file") {
                if case .openForWriting = $0 { return true } else { return false }
            }
            // A SWMR reader reads it, flushed messages included.
            let seen = try RawFile.read(p)
            XCTAssertEqual(seen.messages, first + flushed)
            XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(p))

            // The checksum HDF5 wrote with the mark set matches ours.
            try assertSuperblockChecksum(p)
            XCTAssertTrue(try SuperblockFlags.clear(p))
            XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
            try assertSuperblockChecksum(p)

            let w = try RawFileWriter.openForAppend(p, ioVersion: "0.0")
            XCTAssertEqual(w.messageCount, 100)
            try w.append(messages: [[0xAA, 0xBB]], ioGroups: [42])
            try w.close()
            XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
            let after = try RawFile.read(p)
            XCTAssertEqual(after.messages, first + flushed + [[0xAA, 0xBB]])
            XCTAssertEqual(after.headers["io_groups"], (0..<30).map { $0 % 4 } + flushedGroups.map(Int.init) + [42])
            // And larpix-control agrees.
            let theirs = try oracle.read(p)
            XCTAssertEqual(theirs.messages, first + flushed + [[0xAA, 0xBB]])
        }
    }

    func assertSuperblockChecksum(_ p: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let h = try XCTUnwrap(FileHandle(forReadingAtPath: p), file: file, line: line)
        defer { try? h.close() }
        let b = [UInt8](try XCTUnwrap(h.read(upToCount: 64), file: file, line: line))
        XCTAssertEqual(Array(b[0..<8]), [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], file: file, line: line)
        XCTAssertTrue(b[8] == 2 || b[8] == 3, "superblock version \(b[8])", file: file, line: line)
        let n = 12 + 4 * Int(b[9])
        let stored = UInt32(b[n]) | UInt32(b[n + 1]) << 8 | UInt32(b[n + 2]) << 16 | UInt32(b[n + 3]) << 24
        XCTAssertEqual(SuperblockFlags.lookup3(Array(b[0..<n])), stored, "lookup3 differs from HDF5's checksum", file: file, line: line)
    }

    func testLookup3MatchesHDF5sSuperblockChecksum() throws {
        // Fresh file, closed: flags clear.
        let p = path("fresh.h5")
        try RawFile.write(p, messages: [[1, 2, 3]])
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
        try assertSuperblockChecksum(p)
        // An open SWMR writer's file: flags set, checksum recomputed by HDF5.
        let q = path("open.h5")
        let w = try RawFileWriter.create(q)
        try w.append(messages: [[4]], ioGroups: [1])
        try w.flush()
        XCTAssertTrue(SuperblockFlags.isMarkedOpenForWriting(q))
        try assertSuperblockChecksum(q)
        try w.close()
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(q))
        try assertSuperblockChecksum(q)
        // lookup3 itself on the reference vectors of Bob Jenkins' hashlittle (initval 0).
        XCTAssertEqual(SuperblockFlags.lookup3([]), 0xdeadbeef)
        XCTAssertEqual(SuperblockFlags.lookup3(Array("Four score and seven years ago".utf8)), 0x17770551)
        // Not a raw file / not HDF5: clear does nothing.
        let t = path("t.txt")
        try "hello".write(toFile: t, atomically: true, encoding: .utf8)
        XCTAssertFalse(try SuperblockFlags.clear(t))
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(t))
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(path("missing.h5")))
    }
}
