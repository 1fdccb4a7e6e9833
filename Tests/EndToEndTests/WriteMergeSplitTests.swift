import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// write, merge and split, checked against larpix-control.
final class WriteMergeSplitTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-write") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func writeText(_ text: String, _ name: String) throws -> String {
        let p = path(name)
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testWriteFromJSONLThenLarpixControlReadsItByteForByte() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(500)
        let p = path("w.h5")
        // dump's own form (with index) from a file, in two appends.
        let first = try writeText(expectedJSONL(msgs[..<200], groups[..<200]), "a.jsonl")
        var r = try CLI.run(["write", p, "--from-jsonl", first, "--io-version", "0.0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The second part from stdin, without index, one without io_group (defaults to 0), a blank line.
        var text = ""
        for i in 200..<500 {
            text += i == 499 ? "{\"msg\": \"\(String.hex(msgs[i]))\"}\n\n" : "{\"io_group\": \(groups[i]), \"msg\": \"\(String.hex(msgs[i]))\"}\n"
        }
        r = try CLI.run(["write", p, "--from-jsonl", "-", "--version", "0.0", "--io-version", "0.0"], stdin: text)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("appended 300 messages"), r.stdout)

        let theirs = try oracle.read(p)
        var expectedGroups = groups
        expectedGroups[499] = 0
        XCTAssertEqual(theirs.messages, msgs)
        XCTAssertEqual(theirs.ioGroups, expectedGroups)
        XCTAssertEqual(theirs.meta["version"] as? String, "0.0")
        XCTAssertEqual(theirs.meta["io_version"] as? String, "0.0")
        XCTAssertEqual(theirs.meta["n"] as? Int, 500)
        // And our dump reproduces the input text.
        XCTAssertEqual(try CLI.run(["dump", p, "--end", "200"]).stdout, try String(contentsOfFile: first, encoding: .utf8))

        // Appending to a file larpix-control wrote.
        let q = path("theirs.h5")
        try oracle.write(q, messages: Array(msgs[..<10]), ioGroups: Array(groups[..<10]), ioVersion: "0.0")
        r = try CLI.run(["write", q, "--from-jsonl", "-"], stdin: expectedJSONL(msgs[10..<20], groups[10..<20]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try oracle.read(q).messages, Array(msgs[..<20]))
    }

    func testWriteRefusesBadLinesAndVersionsWithoutTouchingTheFile() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(5)
        let p = path("v.h5")
        try oracle.write(p, messages: msgs, ioGroups: groups, ioVersion: "0.0")
        let before = try Data(contentsOf: URL(fileURLWithPath: p))
        let good = expectedJSONL(msgs[...], groups[...])

        // A version the rules refuse: another version, a higher io_version minor, another major.
        for (option, value) in [("--version", "1.0"), ("--io-version", "0.1"), ("--io-version", "1.0")] {
            let r = try CLI.run(["write", p, "--from-jsonl", "-", option, value], stdin: good)
            assertFailure(r, status: 15, subject: p, contains: "incompatible with the requested \(value)")
        }
        // A new file of a version this build does not write.
        assertFailure(try CLI.run(["write", path("new.h5"), "--from-jsonl", "-", "--version", "1.0"], stdin: good),
                      status: 15, subject: path("new.h5"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("new.h5")))
        assertFailure(try CLI.run(["write", path("new.h5"), "--from-jsonl", "-", "--version", "zero"], stdin: good),
                      status: 2, subject: path("new.h5"))

        // Bad lines name PATH:LINE, exit 3, and nothing is written.
        let bad: [(String, String)] = [
            (good + "{\"io_group\": 1, \"msg\": \"4g\"}\n", "not hex"),
            (good + "{\"io_group\": 256, \"msg\": \"44\"}\n", "does not fit"),
            (good + "{\"io_group\": 1}\n", "no \"msg\""),
            (good + "[1, 2]\n", "not a JSON object"),
            (good + "{\"msg\": \"440\"}\n", "odd number"),
            (good + "{\"msg\": \"44\"\n", "expected ','"),
        ]
        for (text, reason) in bad {
            let input = try writeText(text, "bad.jsonl")
            let r = try CLI.run(["write", p, "--from-jsonl", input])
            assertFailure(r, status: 3, subject: "\(input):6", contains: reason)
        }
        let r = try CLI.run(["write", p, "--from-jsonl", "-"], stdin: "\n{\"msg\": 12}\n")
        assertFailure(r, status: 3, subject: "<stdin>:2", contains: "msg is not a string")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: p)), before, "a refused write must not touch the file")
        XCTAssertEqual(try oracle.count(p), 5)
    }

    func testMergeKeepsOrderAndRefusesDifferingIOVersion() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(90)
        let a = path("a.h5"), b = path("b.h5"), c = path("c.h5"), out = path("m.h5")
        try oracle.write(a, messages: Array(msgs[..<30]), ioGroups: Array(groups[..<30]), ioVersion: "0.0")
        try oracle.write(b, messages: Array(msgs[30..<50]), ioGroups: Array(groups[30..<50]), ioVersion: "0.0")
        try RawFile.write(c, messages: Array(msgs[50...]), headers: ["io_groups": groups[50...].map(Int.init)], ioVersion: "0.0")
        var r = try CLI.run(["merge", a, b, c, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(out): merged 90 messages from 3 files\n")
        let merged = try oracle.read(out)
        XCTAssertEqual(merged.messages, msgs)
        XCTAssertEqual(merged.ioGroups, groups)
        let first = try oracle.read(a, extra: ["--headers-only"])
        XCTAssertEqual(merged.meta["created"] as? Double, first.meta["created"] as? Double)
        XCTAssertEqual(merged.meta["io_version"] as? String, "0.0")

        // Existing output: refused without --force, replaced with it.
        assertFailure(try CLI.run(["merge", a, "-o", out]), status: 18, subject: out)
        r = try CLI.run(["merge", b, a, "-o", out, "--force"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try oracle.read(out).messages, Array(msgs[30..<50] + msgs[..<30]))

        // A file with another io_version (and one without any) is refused; nothing is created.
        let d = path("d.h5"), e = path("e.h5")
        try oracle.write(d, messages: [msgs[0]], ioGroups: [1], ioVersion: "0.1")
        try oracle.write(e, messages: [msgs[0]], ioGroups: [1])
        assertFailure(try CLI.run(["merge", a, d, "-o", path("x.h5")]), status: 15, subject: d, contains: "io_version 0.1")
        assertFailure(try CLI.run(["merge", a, e, "-o", path("x.h5")]), status: 15, subject: e, contains: "io_version (none)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.h5")))
        // A missing input is named.
        assertFailure(try CLI.run(["merge", a, path("nope.h5"), "-o", path("x.h5")]), status: 10, subject: path("nope.h5"))
    }

    func testSplitPartsNamesCountsAndSizes() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(200)
        let input = path("run7.h5")
        try oracle.write(input, messages: msgs, ioGroups: groups, ioVersion: "0.0")
        let outDir = path("parts")  // created by split
        let limit = 1024
        let r = try CLI.run(["split", input, "--max-bytes", "1KiB", "-o", outDir])
        XCTAssertEqual(r.status, 0, r.stderr)

        // The expected parts: greedy, a new part before a message would pass the limit.
        var expected: [[Int]] = [[]]
        var bytes = 0
        for (i, m) in msgs.enumerated() {
            if bytes > 0 && bytes + m.count > limit { expected.append([]); bytes = 0 }
            expected[expected.count - 1].append(i)
            bytes += m.count
        }
        XCTAssertGreaterThan(expected.count, 5)
        let names = try FileManager.default.contentsOfDirectory(atPath: outDir).sorted {
            Int($0.split(separator: ".")[1])! < Int($1.split(separator: ".")[1])!
        }
        XCTAssertEqual(names, (0..<expected.count).map { "run7.\($0).h5" })
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, expected.count)
        var all: [[UInt8]] = []
        for (k, rows) in expected.enumerated() {
            let part = (outDir as NSString).appendingPathComponent("run7.\(k).h5")
            let theirs = try oracle.read(part)
            XCTAssertEqual(theirs.messages, rows.map { msgs[$0] }, "part \(k)")
            XCTAssertEqual(theirs.ioGroups, rows.map { groups[$0] }, "part \(k)")
            XCTAssertEqual(theirs.meta["io_version"] as? String, "0.0")
            XCTAssertLessThanOrEqual(theirs.messages.reduce(0) { $0 + $1.count }, limit)
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: part)[.size] as? Int)
            XCTAssertEqual(String(lines[k]), "\(part): \(rows.count) messages, \(size) bytes on disk")
            all += theirs.messages
        }
        XCTAssertEqual(all, msgs)

        // Suffixes: 2k is 2000 bytes; existing parts are never overwritten.
        let r2 = try CLI.run(["split", input, "--max-bytes", "2k", "-o", path("parts2")])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        for line in r2.stdout.split(separator: "\n") {
            let part = String(line.split(separator: ":")[0])
            XCTAssertLessThanOrEqual(try RawFile.read(part).messages!.reduce(0) { $0 + $1.count }, 2000)
        }
        XCTAssertLessThan(r2.stdout.split(separator: "\n").count, expected.count)
        assertFailure(try CLI.run(["split", input, "--max-bytes", "1KiB", "-o", outDir]), status: 18,
                      subject: (outDir as NSString).appendingPathComponent("run7.0.h5"))
        let bad = try CLI.run(["split", input, "--max-bytes", "12 parsecs", "-o", outDir])
        XCTAssertEqual(bad.status, 2)
    }
}
