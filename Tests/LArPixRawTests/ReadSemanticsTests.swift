import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// FORMAT.md section 2, reading: RawFile.read / RawFile.count.
final class ReadSemanticsTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("reads") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Ten messages: message i is [i, i, ...] (i+1 bytes), io_group 10 + i.
    func tenMessageFile() throws -> (String, [[UInt8]], [Int]) {
        let p = path("ten.h5")
        let msgs = (0..<10).map { [UInt8](repeating: UInt8($0), count: $0 + 1) }
        let groups = (0..<10).map { 10 + $0 }
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups], ioVersion: "0.0")
        return (p, msgs, groups)
    }

    /// Python: [(s, e, *slice(s, e).indices(10)[:2]) ...], with the stop raised to the start when
    /// below it (the slice is then empty), for every pair of bounds below.
    static let sliceTable: [(Int?, Int?, Int, Int)] = [
            (nil, nil, 0, 10),
            (nil, -15, 0, 0),
            (nil, -10, 0, 0),
            (nil, -9, 0, 1),
            (nil, -3, 0, 7),
            (nil, -1, 0, 9),
            (nil, 0, 0, 0),
            (nil, 1, 0, 1),
            (nil, 3, 0, 3),
            (nil, 9, 0, 9),
            (nil, 10, 0, 10),
            (nil, 11, 0, 10),
            (nil, 15, 0, 10),
            (-15, nil, 0, 10),
            (-15, -15, 0, 0),
            (-15, -10, 0, 0),
            (-15, -9, 0, 1),
            (-15, -3, 0, 7),
            (-15, -1, 0, 9),
            (-15, 0, 0, 0),
            (-15, 1, 0, 1),
            (-15, 3, 0, 3),
            (-15, 9, 0, 9),
            (-15, 10, 0, 10),
            (-15, 11, 0, 10),
            (-15, 15, 0, 10),
            (-10, nil, 0, 10),
            (-10, -15, 0, 0),
            (-10, -10, 0, 0),
            (-10, -9, 0, 1),
            (-10, -3, 0, 7),
            (-10, -1, 0, 9),
            (-10, 0, 0, 0),
            (-10, 1, 0, 1),
            (-10, 3, 0, 3),
            (-10, 9, 0, 9),
            (-10, 10, 0, 10),
            (-10, 11, 0, 10),
            (-10, 15, 0, 10),
            (-9, nil, 1, 10),
            (-9, -15, 1, 1),
            (-9, -10, 1, 1),
            (-9, -9, 1, 1),
            (-9, -3, 1, 7),
            (-9, -1, 1, 9),
            (-9, 0, 1, 1),
            (-9, 1, 1, 1),
            (-9, 3, 1, 3),
            (-9, 9, 1, 9),
            (-9, 10, 1, 10),
            (-9, 11, 1, 10),
            (-9, 15, 1, 10),
            (-3, nil, 7, 10),
            (-3, -15, 7, 7),
            (-3, -10, 7, 7),
            (-3, -9, 7, 7),
            (-3, -3, 7, 7),
            (-3, -1, 7, 9),
            (-3, 0, 7, 7),
            (-3, 1, 7, 7),
            (-3, 3, 7, 7),
            (-3, 9, 7, 9),
            (-3, 10, 7, 10),
            (-3, 11, 7, 10),
            (-3, 15, 7, 10),
            (-1, nil, 9, 10),
            (-1, -15, 9, 9),
            (-1, -10, 9, 9),
            (-1, -9, 9, 9),
            (-1, -3, 9, 9),
            (-1, -1, 9, 9),
            (-1, 0, 9, 9),
            (-1, 1, 9, 9),
            (-1, 3, 9, 9),
            (-1, 9, 9, 9),
            (-1, 10, 9, 10),
            (-1, 11, 9, 10),
            (-1, 15, 9, 10),
            (0, nil, 0, 10),
            (0, -15, 0, 0),
            (0, -10, 0, 0),
            (0, -9, 0, 1),
            (0, -3, 0, 7),
            (0, -1, 0, 9),
            (0, 0, 0, 0),
            (0, 1, 0, 1),
            (0, 3, 0, 3),
            (0, 9, 0, 9),
            (0, 10, 0, 10),
            (0, 11, 0, 10),
            (0, 15, 0, 10),
            (1, nil, 1, 10),
            (1, -15, 1, 1),
            (1, -10, 1, 1),
            (1, -9, 1, 1),
            (1, -3, 1, 7),
            (1, -1, 1, 9),
            (1, 0, 1, 1),
            (1, 1, 1, 1),
            (1, 3, 1, 3),
            (1, 9, 1, 9),
            (1, 10, 1, 10),
            (1, 11, 1, 10),
            (1, 15, 1, 10),
            (3, nil, 3, 10),
            (3, -15, 3, 3),
            (3, -10, 3, 3),
            (3, -9, 3, 3),
            (3, -3, 3, 7),
            (3, -1, 3, 9),
            (3, 0, 3, 3),
            (3, 1, 3, 3),
            (3, 3, 3, 3),
            (3, 9, 3, 9),
            (3, 10, 3, 10),
            (3, 11, 3, 10),
            (3, 15, 3, 10),
            (9, nil, 9, 10),
            (9, -15, 9, 9),
            (9, -10, 9, 9),
            (9, -9, 9, 9),
            (9, -3, 9, 9),
            (9, -1, 9, 9),
            (9, 0, 9, 9),
            (9, 1, 9, 9),
            (9, 3, 9, 9),
            (9, 9, 9, 9),
            (9, 10, 9, 10),
            (9, 11, 9, 10),
            (9, 15, 9, 10),
            (10, nil, 10, 10),
            (10, -15, 10, 10),
            (10, -10, 10, 10),
            (10, -9, 10, 10),
            (10, -3, 10, 10),
            (10, -1, 10, 10),
            (10, 0, 10, 10),
            (10, 1, 10, 10),
            (10, 3, 10, 10),
            (10, 9, 10, 10),
            (10, 10, 10, 10),
            (10, 11, 10, 10),
            (10, 15, 10, 10),
            (11, nil, 10, 10),
            (11, -15, 10, 10),
            (11, -10, 10, 10),
            (11, -9, 10, 10),
            (11, -3, 10, 10),
            (11, -1, 10, 10),
            (11, 0, 10, 10),
            (11, 1, 10, 10),
            (11, 3, 10, 10),
            (11, 9, 10, 10),
            (11, 10, 10, 10),
            (11, 11, 10, 10),
            (11, 15, 10, 10),
            (15, nil, 10, 10),
            (15, -15, 10, 10),
            (15, -10, 10, 10),
            (15, -9, 10, 10),
            (15, -3, 10, 10),
            (15, -1, 10, 10),
            (15, 0, 10, 10),
            (15, 1, 10, 10),
            (15, 3, 10, 10),
            (15, 9, 10, 10),
            (15, 10, 10, 10),
            (15, 11, 10, 10),
            (15, 15, 10, 10)
    ]

    func testStartEndArePythonSliceBounds() throws {
        let (p, msgs, groups) = try tenMessageFile()
        XCTAssertEqual(Self.sliceTable.count, 169)
        for (s, e, lo, hi) in Self.sliceTable {
            XCTAssertEqual(RawFile.sliceRange(start: s, end: e, count: 10).count, hi - lo, "slice(\(s as Any), \(e as Any))")
            let c = try RawFile.read(p, start: s, end: e)
            XCTAssertEqual(c.messages, Array(msgs[lo..<hi]), "slice(\(s as Any), \(e as Any))")
            XCTAssertEqual(c.headers["io_groups"], Array(groups[lo..<hi]), "slice(\(s as Any), \(e as Any))")
            let h = try RawFile.read(p, start: s, end: e, headersOnly: true)
            XCTAssertNil(h.messages)
            XCTAssertEqual(h.headers["io_groups"], Array(groups[lo..<hi]))
        }
        // On an empty file every slice is empty.
        let q = path("empty.h5")
        try RawFile.write(q)
        for (s, e, _, _) in Self.sliceTable {
            XCTAssertEqual(try RawFile.read(q, start: s, end: e).messages, [])
        }
    }

    func testSlicesAgreeWithLarpixControl() throws {
        let oracle = try Oracle.debian()
        let (p, msgs, _) = try tenMessageFile()
        for (s, e) in [(5, 2), (-3, nil), (-15, 11), (11, nil), (nil, -1), (2, 7), (-4, -2), (0, 0)] as [(Int?, Int?)] {
            var extra: [String] = []
            if let s { extra += ["--start", "\(s)"] }
            if let e { extra += ["--end", "\(e)"] }
            let theirs = try oracle.read(p, extra: extra)
            let ours = try RawFile.read(p, start: s, end: e)
            XCTAssertEqual(ours.messages, theirs.messages, "slice(\(s as Any), \(e as Any))")
            XCTAssertEqual(ours.headers["io_groups"], theirs.ioGroups.map(Int.init))
            XCTAssertLessThanOrEqual(theirs.messages.count, msgs.count)
        }
    }

    func testMask() throws {
        let (p, msgs, groups) = try tenMessageFile()
        let mask = (0..<10).map { $0 % 3 != 1 }            // runs: 0, 2-3, 5-6, 8-9
        let c = try RawFile.read(p, start: 4, end: 5, mask: mask)  // the mask replaces start/end
        let want = (0..<10).filter { mask[$0] }
        XCTAssertEqual(c.messages, want.map { msgs[$0] })
        XCTAssertEqual(c.headers["io_groups"], want.map { groups[$0] })
        let h = try RawFile.read(p, headersOnly: true, mask: mask)
        XCTAssertNil(h.messages)
        XCTAssertEqual(h.headers["io_groups"], want.map { groups[$0] })
        XCTAssertEqual(try RawFile.read(p, mask: [Bool](repeating: false, count: 10)).messages, [])
        XCTAssertEqual(try RawFile.read(p, mask: [Bool](repeating: true, count: 10)).messages, msgs)
        for n in [0, 9, 11] {
            let e = Check.raw(try RawFile.read(p, mask: [Bool](repeating: true, count: n)), path: p, "mask of \(n)") {
                if case .invalidArgument(_, let r) = $0 { return r.contains("mask") } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 2)
        }
    }

    func testHeadersOnly() throws {
        let (p, _, groups) = try tenMessageFile()
        let c = try RawFile.read(p, headersOnly: true)
        XCTAssertNil(c.messages)
        XCTAssertEqual(c.headers, ["io_groups": groups])
        XCTAssertEqual(c.version, "0.0")
        XCTAssertEqual(c.ioVersion, "0.0")
    }

    func testRequestedVersionSameMajorMinorAtMostTheFiles() throws {
        let oracle = try Oracle.debian()
        let p = path("v12.h5")
        try oracle.make(p, kind: "raw")            // version 0.0, no io_version
        XCTAssertEqual(try RawFile.read(p, version: "0.0").version, "0.0")
        for bad in ["0.1", "1.0"] {
            let e = Check.raw(try RawFile.read(p, version: bad), path: p, "read version \(bad)") {
                if case .versionRefused(_, "version", "0.0", bad) = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 15)
        }
        let q = path("v0_12.h5")
        try oracle.make(q, kind: "raw", version: "0.12", ioVersion: "0.10")
        XCTAssertEqual(try RawFile.read(q).version, "0.12")
        // The effective version is major.min(file minor, requested minor), compared as integers.
        for (req, eff) in [("0.0", "0.0"), ("0.3", "0.3"), ("0.9", "0.9"), ("0.10", "0.10"), ("0.12", "0.12")] {
            let c = try RawFile.read(q, version: req)
            XCTAssertEqual(c.version, eff, "requested \(req)")
            XCTAssertEqual(c.ioVersion, "0.10")
            XCTAssertEqual(c.created, 1.0)
            XCTAssertEqual(c.modified, 2.0)
        }
        for bad in ["0.13", "0.120", "1.12", "1.0"] {
            Check.raw(try RawFile.read(q, version: bad), path: q, "read version \(bad)") {
                if case .versionRefused(_, "version", "0.12", bad) = $0 { return true } else { return false }
            }
        }
        Check.raw(try RawFile.read(q, version: "0"), path: q, "version 0") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        // io_version: checked the same way when the file has one.
        for ok in ["0.0", "0.9", "0.10"] { XCTAssertNoThrow(try RawFile.read(q, ioVersion: ok), ok) }
        for bad in ["0.11", "1.0", "1.10"] {
            let e = Check.raw(try RawFile.read(q, ioVersion: bad), path: q, "read io_version \(bad)") {
                if case .versionRefused(_, "io_version", "0.10", bad) = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 15)
        }
        // ... and ignored when it has none.
        for any in ["0.0", "5.5", "0.99"] {
            let c = try RawFile.read(p, ioVersion: any)
            XCTAssertNil(c.ioVersion)
        }
        // larpix-control compares whole version texts as strings: it refuses 0.3 and 0.9 on the
        // 0.12 file, and io_version 0.9 on io_version 0.10; we accept them (FORMAT.md section 2).
        XCTAssertEqual(try oracle.run(["read", q, "--version", "0.10"]).status, 0)
        XCTAssertNotEqual(try oracle.run(["read", q, "--version", "0.3"]).status, 0)
        XCTAssertNotEqual(try oracle.run(["read", q, "--version", "0.9"]).status, 0)
        XCTAssertNotEqual(try oracle.run(["read", q, "--io-version", "0.9"]).status, 0)
    }

    func testAttemptsAndUnequalLengths() throws {
        let oracle = try Oracle.debian()
        let (p, msgs, groups) = try tenMessageFile()
        try oracle.unequal(p, extra: 1)             // /msgs has 11 rows, /msg_headers 10
        for attempts in [1, 2, 5] {
            let e = Check.raw(try RawFile.read(p, attempts: attempts), path: p, "read attempts \(attempts)") {
                if case .unequalLengths(_, 11, 10) = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 14)
            Check.raw(try RawFile.count(p, attempts: attempts), path: p, "count attempts \(attempts)") {
                if case .unequalLengths(_, 11, 10) = $0 { return true } else { return false }
            }
        }
        XCTAssertTrue(RawFileError.unequalLengths(path: p, msgs: 11, headers: 10).isTransientForReader)
        // attempts 0 does not check: the count is the length of /msgs (len_rawfile's answer),
        // and a read gives the rows both datasets have.
        XCTAssertEqual(try RawFile.count(p, attempts: 0), 11)
        let c = try RawFile.read(p, attempts: 0)
        XCTAssertEqual(c.messages, msgs)
        XCTAssertEqual(c.headers["io_groups"], groups)
        XCTAssertEqual(try RawFile.read(p, start: -2, attempts: 0).messages, Array(msgs[8...]))
        // An appender refuses the torn file rather than writing after it.
        Check.raw(try RawFileWriter.openForAppend(p), path: p, "append to a torn file") {
            if case .unequalLengths = $0 { return true } else { return false }
        }
        // larpix-control's len_rawfile with attempts=1 refuses it too.
        XCTAssertNotEqual(try oracle.run(["len", p]).status, 0)
    }

    func testCount() throws {
        let (p, _, _) = try tenMessageFile()
        XCTAssertEqual(try RawFile.count(p), 10)
        XCTAssertEqual(try RawFile.count(p, attempts: -1), 10)
        try RawFile.write(p, messages: [[1], [2], [3]])
        XCTAssertEqual(try RawFile.count(p), 13)
        let q = path("zero.h5")
        try RawFile.write(q)
        XCTAssertEqual(try RawFile.count(q), 0)
        let r = try RawFileReader(path: p)
        defer { try? r.close() }
        XCTAssertEqual(try r.count(), 13)
        XCTAssertEqual(try r.lengths().messages, 13)
        XCTAssertEqual(try r.lengths().headers, 13)
    }
}
