import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// FORMAT.md section 2, writing: RawFile.write and RawFileWriter.openForAppend.
final class VersionRuleTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("versions") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    let two: [[UInt8]] = [[0x44, 1, 2], [0x44, 3]]

    /// The file is untouched after a refused append: same count, same modified, not marked open.
    func assertUntouched(_ p: String, count: Int, modified: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try RawFile.read(p)
        XCTAssertEqual(c.messages?.count, count, file: file, line: line)
        XCTAssertEqual(c.modified, modified, file: file, line: line)
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p), file: file, line: line)
    }

    func testRequestedVersionMustEqualTheFiles() throws {
        let p = path("v.h5")
        try RawFile.write(p, messages: two, version: "0.0")
        XCTAssertEqual(try RawFile.read(p).version, "0.0")
        try RawFile.write(p, messages: two, version: "0.0")
        try RawFile.write(p, messages: two)
        let before = try RawFile.read(p)
        XCTAssertEqual(before.messages?.count, 6)
        for v in ["0.1", "1.0", "0.10"] {
            let e = Check.raw(try RawFile.write(p, messages: two, version: v), path: p, "write version \(v)") {
                if case .versionRefused(_, "version", "0.0", v) = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 15)
            Check.raw(try RawFileWriter.openForAppend(p, version: v), path: p, "openForAppend version \(v)") {
                if case .versionRefused = $0 { return true } else { return false }
            }
        }
        try assertUntouched(p, count: 6, modified: before.modified)
        // A new file: only 0.0 exists; anything else is refused and nothing is created.
        let q = path("v1.h5")
        Check.raw(try RawFile.write(q, messages: two, version: "1.0"), path: q, "create 1.0") {
            if case .versionRefused = $0 { return true } else { return false }
        }
        Check.raw(try RawFile.write(q, version: "x.y"), path: q, "create x.y") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: q))
    }

    func testIOVersionNeedsSameMajorAndMinorAtLeastRequestedAsIntegers() throws {
        // File io_version 0.10: satisfies 0.0, 0.9 (integers; the reference's string compare
        // "10" >= "9" refuses it), 0.10; refuses 0.11 and 1.0.
        let p = path("io10.h5")
        try RawFile.write(p, messages: two, ioVersion: "0.10")
        var n = 2
        for ok in ["0.0", "0.9", "0.10"] {
            try RawFile.write(p, messages: two, ioVersion: ok)
            n += 2
            let w = try RawFileWriter.openForAppend(p, ioVersion: ok)
            try w.close()
        }
        let before = try RawFile.read(p)
        XCTAssertEqual(before.messages?.count, n)
        XCTAssertEqual(before.ioVersion, "0.10")
        for bad in ["0.11", "1.0", "1.10", "0.100"] {
            Check.raw(try RawFile.write(p, messages: two, ioVersion: bad), path: p, "io_version \(bad)") {
                if case .versionRefused(_, "io_version", "0.10", bad) = $0 { return true } else { return false }
            }
            Check.raw(try RawFileWriter.openForAppend(p, ioVersion: bad), path: p, "openForAppend io_version \(bad)") {
                if case .versionRefused(_, "io_version", _, _) = $0 { return true } else { return false }
            }
        }
        Check.raw(try RawFile.write(p, messages: two, ioVersion: "zero"), path: p, "io_version zero") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        try assertUntouched(p, count: n, modified: before.modified)

        // The reference compares minors as strings: it refuses 0.9 on this file. We differ on purpose.
        if let oracle = try? Oracle.debian() {
            let jsonl = dir.appendingPathComponent("m.jsonl")
            try Oracle.writeJSONL(jsonl, messages: two, ioGroups: [1, 2])
            let r = try oracle.run(["write", p, "--from-jsonl", jsonl.path, "--io-version", "0.9"])
            XCTAssertNotEqual(r.status, 0, "larpix-control was expected to refuse io_version 0.9 on a 0.10 file")
            XCTAssertTrue(r.stderr.contains("IO version mismatch"), r.stderr)
            XCTAssertEqual(try RawFile.count(p), n)
        }
    }

    func testIOVersionRequestedButFileHasNoneIsRefused() throws {
        let p = path("noio.h5")
        try RawFile.write(p, messages: two)
        let before = try RawFile.read(p)
        XCTAssertNil(before.ioVersion)
        let e = Check.raw(try RawFile.write(p, messages: two, ioVersion: "0.0"), path: p, "io_version on a file without") {
            if case .versionRefused(_, "io_version", nil, "0.0") = $0 { return true } else { return false }
        }
        XCTAssertEqual(e?.exitCode, 15)
        Check.raw(try RawFileWriter.openForAppend(p, ioVersion: "0.0"), path: p, "openForAppend io_version") {
            if case .versionRefused = $0 { return true } else { return false }
        }
        try assertUntouched(p, count: 2, modified: before.modified)
        // Without a requested io_version the append goes ahead.
        try RawFile.write(p, messages: two)
        XCTAssertEqual(try RawFile.count(p), 4)
    }

    func testNilMessagesOnlyCreatesOrUpdatesModified() throws {
        let p = path("touch.h5")
        let t0 = Date().timeIntervalSince1970
        try RawFile.write(p, ioVersion: "0.0")
        let first = try RawFile.read(p)
        XCTAssertEqual(first.messages, [])
        XCTAssertEqual(first.headers["io_groups"], [])
        XCTAssertEqual(first.created, first.modified, accuracy: 0.5)
        XCTAssertGreaterThanOrEqual(first.created, t0 - 1)
        XCTAssertLessThanOrEqual(first.created, Date().timeIntervalSince1970 + 1)
        XCTAssertEqual(first.ioVersion, "0.0")

        Thread.sleep(forTimeInterval: 0.02)
        try RawFile.write(p)
        let second = try RawFile.read(p)
        XCTAssertEqual(second.created, first.created, "created must not change")
        XCTAssertGreaterThan(second.modified, first.modified, "modified must increase")
        XCTAssertEqual(second.messages, [])

        Thread.sleep(forTimeInterval: 0.02)
        try RawFile.write(p, messages: two, ioVersion: "0.0")
        let third = try RawFile.read(p)
        XCTAssertEqual(third.created, first.created)
        XCTAssertGreaterThan(third.modified, second.modified)
        XCTAssertEqual(third.messages, two)

        // The writer's own flush moves modified too.
        let w = try RawFileWriter.openForAppend(p)
        XCTAssertEqual(w.metadata.created, first.created)
        try w.flush(now: third.modified + 100)
        try w.close()
        let fourth = try RawFile.read(p)
        XCTAssertGreaterThan(fourth.modified, third.modified)
        XCTAssertEqual(fourth.created, first.created)
    }

    func testHeaderFieldsMissingUnknownMismatchedAndOutOfRange() throws {
        let p = path("hdr.h5")
        try RawFile.write(p, messages: two)                                   // headers nil
        try RawFile.write(p, messages: two, headers: [:])                     // field missing
        try RawFile.write(p, messages: two, headers: ["io_groups": [255, 7]])
        XCTAssertEqual(try RawFile.read(p).headers["io_groups"], [0, 0, 0, 0, 255, 7])

        let bad: [(String, [String: [Int]])] = [
            ("unknown field", ["io_group": [1, 2]]),
            ("unknown besides known", ["io_groups": [1, 2], "extra": [0, 0]]),
            ("too short", ["io_groups": [1]]),
            ("too long", ["io_groups": [1, 2, 3]]),
            ("256", ["io_groups": [1, 256]]),
            ("negative", ["io_groups": [-1, 2]]),
        ]
        for (what, headers) in bad {
            let e = Check.raw(try RawFile.write(p, messages: two, headers: headers), path: p, what) {
                if case .badHeaders = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 17)
        }
        XCTAssertEqual(try RawFile.count(p), 6, "a refused write appends nothing")
        // Refused before anything is created.
        let q = path("never.h5")
        Check.raw(try RawFile.write(q, messages: two, headers: ["io_groups": [256, 0]]), path: q, "256 on a new file") {
            if case .badHeaders(_, let r) = $0 { return r.contains("256") } else { return false }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: q))
        // The writer's own length check.
        let w = try RawFileWriter.openForAppend(p)
        Check.raw(try w.append(messages: two, ioGroups: [1]), path: p, "writer length mismatch") {
            if case .badHeaders = $0 { return true } else { return false }
        }
        try w.close()
        XCTAssertEqual(try RawFile.count(p), 6)
    }

    /// The same rules as seen by larpix-control: what it writes, we append to and vice versa
    /// under the same version texts.
    func testVersionsRoundTripWithTheReference() throws {
        let oracle = try Oracle.debian()
        let p = path("ref.h5")
        try oracle.write(p, messages: two, ioGroups: [1, 2], version: "0.0", ioVersion: "0.0")
        try RawFile.write(p, messages: two, version: "0.0", headers: ["io_groups": [3, 4]], ioVersion: "0.0")
        let c = try oracle.read(p)
        XCTAssertEqual(c.meta["version"] as? String, "0.0")
        XCTAssertEqual(c.meta["io_version"] as? String, "0.0")
        XCTAssertEqual(c.ioGroups, [1, 2, 3, 4])
        let attrs = try oracle.attrs(p)
        XCTAssertEqual(attrs["version"]?["string"] as? String, "vlen")
        XCTAssertEqual(attrs["io_version"]?["encoding"] as? String, "utf-8")
        XCTAssertEqual(attrs["created"]?["kind"] as? String, "f")
        XCTAssertEqual(attrs["modified"]?["itemsize"] as? Int, 8)
    }
}
