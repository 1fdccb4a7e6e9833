import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// Every kind of bad input: one stderr line naming the file, and the kind's own exit status.
final class BadInputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-bad") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Each reading command on `file`, expecting `status`.
    func assertEveryReaderFails(_ file: String, status: Int32, contains: String? = nil,
                                line: UInt = #line) throws {
        let out = path("out-\(UUID().uuidString.prefix(6))")
        let commands: [[String]] = [
            ["info", file], ["info", file, "--json"], ["count", file], ["dump", file], ["dump", file, "--headers-only"],
            ["merge", file, "-o", out + ".h5"], ["split", file, "--max-bytes", "1M", "-o", out],
            ["follow", file, "--until-closed"],
        ]
        for args in commands {
            let r = try CLI.run(args)
            assertFailure(r, status: status, subject: file, contains: contains, line: line)
            XCTAssertEqual(r.stdout, "", "\(args) printed to stdout", line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".h5"), line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "split must not create its directory for a bad input", line: line)
    }

    func testMissingFileDirectoryTextFile() throws {
        try assertEveryReaderFails(path("missing.h5"), status: 10, contains: "no such file")
        try assertEveryReaderFails(dir.path, status: 11, contains: "is a directory")
        let text = path("notes.txt")
        try "this is not HDF5\n".write(toFile: text, atomically: true, encoding: .utf8)
        try assertEveryReaderFails(text, status: 12, contains: "not an HDF5 file")
        // Appending to them.
        assertFailure(try CLI.run(["write", dir.path, "--from-jsonl", "-"], stdin: ""), status: 11, subject: dir.path)
        assertFailure(try CLI.run(["write", text, "--from-jsonl", "-"], stdin: ""), status: 12, subject: text)
        assertFailure(try CLI.run(["write", path("x.h5"), "--from-jsonl", path("none.jsonl")]), status: 10, subject: path("none.jsonl"))
        assertFailure(try CLI.run(["clear", path("missing.h5")]), status: 10, subject: path("missing.h5"))
        assertFailure(try CLI.run(["clear", text]), status: 12, subject: text)
    }

    func testHDF5ButNotTheRawLayout() throws {
        let oracle = try Oracle.debian()
        let p = path("other.h5")
        let r = try oracle.python("""
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], 'w', libver='latest') as f:
                f.create_group('meta').attrs['version'] = '0.0'
                f.create_dataset('data', data=np.arange(10))
            """, [p])
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertEveryReaderFails(p, status: 13, contains: "not a LArPix raw file")
        assertFailure(try CLI.run(["write", p, "--from-jsonl", "-"], stdin: "{\"msg\": \"44\"}\n"), status: 13, subject: p)

        // An old-format (superblock version 0) file: clear has nothing to clear there.
        let old = path("old.h5")
        XCTAssertEqual(try oracle.python("import sys, h5py; h5py.File(sys.argv[1], 'w').close()", [old]).status, 0)
        assertFailure(try CLI.run(["clear", old]), status: 13, subject: old, contains: "superblock version 0")
    }

    /// HDF5 1.10.8 cannot open datasets HDF5 2.0 writes with bounds "latest" (FORMAT.md 5): the
    /// reading commands read them natively, appending refuses with exit 16.
    func testFileOfANewerHDF5Format() throws {
        let oracle = try Oracle.h5py2()
        let p = path("hdf5-2.h5")
        let (msgs, groups) = sampleMessages(3)
        try oracle.write(p, messages: msgs, ioGroups: groups, ioVersion: "0.0")
        let count = try CLI.run(["count", p])
        XCTAssertEqual(count.status, 0, count.stderr)
        XCTAssertEqual(count.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "3")
        for args in [["info", p], ["info", p, "--json"], ["verify", p], ["dump", p]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
        let dump = try CLI.run(["dump", p]).stdout.split(separator: "\n")
        XCTAssertEqual(dump.count, 3)
        for (i, line) in dump.enumerated() {
            XCTAssertEqual(String(line), "{\"index\": \(i), \"io_group\": \(groups[i]), \"msg\": \"\(String.hex(msgs[i]))\"}")
        }
        assertFailure(try CLI.run(["write", p, "--from-jsonl", "-"], stdin: "{\"msg\": \"44\"}\n"), status: 16, subject: p,
                      contains: "newer HDF5 file format")
    }

    /// LARPIX_RAW_READER=native forces the native reader on any file: the same output.
    func testForcedNativeReaderGivesTheSameOutput() throws {
        let p = path("ours.h5")
        let (msgs, groups) = sampleMessages(40)
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)], ioVersion: "0.0")
        let viaHDF5 = try ["dump", "info", "verify"].map { try CLI.run([$0, p]) }
        setenv("LARPIX_RAW_READER", "native", 1)
        defer { unsetenv("LARPIX_RAW_READER") }
        let native = try ["dump", "info", "verify"].map { try CLI.run([$0, p]) }
        for (a, b) in zip(viaHDF5, native) {
            XCTAssertEqual(a.status, 0, a.stderr)
            XCTAssertEqual(a.stdout, b.stdout)
            XCTAssertEqual(a.status, b.status)
        }
    }

    func testUnwritablePaths() throws {
        let text = path("plain.txt")
        try "x".write(toFile: text, atomically: true, encoding: .utf8)
        let underFile = text + "/out.h5"
        for target in ["/proc/larpix-e2e.h5", underFile] {
            assertFailure(try CLI.run(["write", target, "--from-jsonl", "-"], stdin: "{\"msg\": \"44\"}\n"), status: 19, subject: target,
                          contains: "cannot write")
        }
        // merge into them, split into a directory under a file.
        let good = path("good.h5")
        XCTAssertEqual(try CLI.run(["write", good, "--from-jsonl", "-"], stdin: "{\"msg\": \"44\"}\n").status, 0)
        assertFailure(try CLI.run(["merge", good, "-o", underFile]), status: 19, subject: underFile)
        assertFailure(try CLI.run(["merge", good, "-o", "/proc/larpix-e2e.h5"]), status: 19, subject: "/proc/larpix-e2e.h5")
        assertFailure(try CLI.run(["split", good, "--max-bytes", "1k", "-o", text + "/parts"]), status: 19, subject: text + "/parts")
        assertFailure(try CLI.run(["split", good, "--max-bytes", "1k", "-o", text]), status: 19, subject: text)
    }

    func testUsageErrorsExit2() throws {
        for args in [["dump"], ["dump", "x.h5", "--format", "xml"], ["nosuchcommand"], ["follow", "x", "--from", "1", "--from-end"],
                     ["split", "x.h5", "-o", "d"], ["count", "x.h5", "--attempts", "many"]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("larpix-raw: "), r.stderr)
        }
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["info", "count", "dump", "verify", "write", "merge", "split", "follow", "clear", "publish", "exit"] {
            XCTAssertTrue(help.stdout.contains(word), "--help should mention \(word)")
        }
    }
}
