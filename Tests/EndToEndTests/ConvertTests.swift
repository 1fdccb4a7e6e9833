import Foundation
import LArPixRaw
import PACMAN
import TestSupport
import XCTest

/// `larpix-raw convert` end to end: bad input skipped, counted and named (or --strict, exit 25),
/// no overwrite / --append / --force, files still being written or left by a killed writer, and
/// --follow against a live writer with h5py readers polling the packet file.
final class ConvertTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("convert") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Seeded real-shaped data messages (1-6 words, the emulator's mix of data, trigger, sync).
    func goodMessages(_ n: Int, seed: UInt64) -> [[UInt8]] {
        print("seed \(seed) (\(n) messages)")
        var b = PacmanMessageBuilder(seed: seed)
        return (0..<n).map { i in b.nextDataMessage(words: b.nextWordCount(in: 1...6), time: 1_700_000_000 + UInt32(i)) }
    }

    func writeRaw(_ name: String, _ messages: [[UInt8]], ioGroups: [UInt8]? = nil) throws -> String {
        let w = try RawFileWriter.create(path(name), ioVersion: "0.0")
        try w.append(messages: messages, ioGroups: ioGroups ?? messages.indices.map { UInt8(1 + $0 % 2) })
        try w.close()
        return path(name)
    }

    func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// One bad message of each kind larpix-control raises on, with the reason we report.
    static func badMessages() -> [([UInt8], String)] {
        var word = [UInt8](repeating: 0, count: 16)
        word[0] = 0x44
        let h = { (t: UInt8, n: UInt8) -> [UInt8] in [t, 0, 0, 0, 0, 0, n, 0] }
        return [([0x44, 1, 2], "too_short"), (h(0x58, 0), "unknown_message_type"),
                (h(0x44, 1) + [0x51] + word.dropFirst(), "unknown_word_type"), (h(0x44, 1) + word.prefix(9), "truncated_word"),
                (h(0x3F, 1) + word, "tx_word"), ([0x44], "too_short"), (h(0x44, 2) + word + word.prefix(15), "truncated_word")]
    }

    func testBadInputIsSkippedCountedAndNamedOrStopsWithStrict() throws {
        let oracle = try PacketsOracle.debian()
        let good = goodMessages(300, seed: 41)
        let bad = Self.badMessages()
        var mixed = good, groups = good.indices.map { UInt8(1 + $0 % 2) }
        for (i, b) in bad.enumerated().reversed() {
            mixed.insert(b.0, at: 10 + 37 * i)
            groups.insert(9, at: 10 + 37 * i)
        }
        let raw = try writeRaw("bad.raw.h5", mixed, ioGroups: groups)
        let clean = try writeRaw("clean.raw.h5", good)

        let r = try CLI.run(["convert", raw, "-o", path("ours.h5"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try json(r.stdout)
        XCTAssertEqual(s["messages"] as? Int, mixed.count)
        XCTAssertEqual(s["skipped"] as? Int, bad.count)
        let expected = Dictionary(bad.map { ($0.1, 1) }, uniquingKeysWith: +)
        XCTAssertEqual(s["skipped_by_reason"] as? [String: Int], expected)
        XCTAssertEqual(s["io_groups"] as? [String: Int], ["1": 150, "2": 150])
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 6, r.stderr)     // the first five named, then the counts
        XCTAssertTrue(lines[0].hasPrefix("larpix-raw: \(raw): message 10: skipped: too_short"), String(lines[0]))
        XCTAssertTrue(lines[5].contains("skipped \(bad.count) of \(mixed.count) messages"), String(lines[5]))

        // The rows are larpix-control's for the same file without the bad messages.
        let results = try oracle.batch([["raw": [clean], "reference": path("ref.h5")],
                                        ["compare": [path("ours.h5"), path("ref.h5")]]], in: dir)
        PacketsOracle.assertSameRows(results[1], "bad messages skipped")

        let strict = try CLI.run(["convert", raw, "-o", path("strict.h5"), "--strict"])
        XCTAssertEqual(strict.status, 25, strict.stderr)
        XCTAssertEqual(strict.stderr.split(separator: "\n").count, 1, strict.stderr)
        XCTAssertTrue(strict.stderr.hasPrefix("larpix-raw: \(raw): message 10: too_short"), strict.stderr)
        let kept = try json(try CLI.run(["convert", try writeRaw("prefix.raw.h5", Array(good.prefix(10))), "-o", path("prefix.h5"), "--json"]).stdout)
        let h5 = try oracle.oracle.python("import h5py,sys; print(len(h5py.File(sys.argv[1],'r')['packets']))", [path("strict.h5")])
        XCTAssertEqual(Int(h5.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), kept["packets"] as? Int, "rows before the refused message are kept")
    }

    func testExistingOutputAppendAndForce() throws {
        let oracle = try PacketsOracle.debian()
        let a = try writeRaw("a.raw.h5", goodMessages(200, seed: 1)), b = try writeRaw("b.raw.h5", goodMessages(150, seed: 2))
        XCTAssertEqual(try CLI.run(["convert", a, "-o", path("out.h5")]).status, 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("out.h5"))
        let refused = try CLI.run(["convert", b, "-o", path("out.h5")])
        XCTAssertEqual(refused.status, 18, refused.stderr)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("out.h5")), before, "a refused output is untouched")
        let appended = try CLI.run(["convert", b, "-o", path("out.h5"), "--append", "--json"])
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertEqual(try CLI.run(["convert", a, b, "-o", path("both.h5")]).status, 0)
        XCTAssertEqual(try CLI.run(["convert", b, "-o", path("forced.h5")]).status, 0)
        XCTAssertEqual(try CLI.run(["convert", a, "-o", path("forced.h5"), "--force"]).status, 0)
        XCTAssertEqual(try CLI.run(["convert", a, "-o", path("x.h5"), "--append", "--force"]).status, 2)
        XCTAssertEqual(try CLI.run(["convert", path("missing.h5"), "-o", path("y.h5")]).status, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("y.h5")), "nothing made for a missing input")
        let results = try oracle.batch([
            ["raw": [a, b], "reference": path("refab.h5")], ["raw": [a], "reference": path("refa.h5")],
            ["compare": [path("out.h5"), path("refab.h5")]], ["compare": [path("both.h5"), path("refab.h5")]],
            ["compare": [path("forced.h5"), path("refa.h5")]],
        ], in: dir)
        PacketsOracle.assertSame(results[2], "--append, then larpix-control converting a then b into one file")
        PacketsOracle.assertSame(results[3], "two inputs")
        PacketsOracle.assertSame(results[4], "--force")
    }

    func testFilesStillBeingWrittenOrLeftByAKilledWriter() throws {
        let oracle = try Oracle.debian()
        let msgs = goodMessages(120, seed: 9)
        let groups = msgs.indices.map { UInt8($0 % 3) }
        let clean = try writeRaw("clean.raw.h5", Array(msgs.prefix(100)))
        // larpix-control's writer killed after a flush: the file keeps its SWMR-writing mark.
        try oracle.write(path("killed.h5"), messages: Array(msgs.prefix(60)), ioGroups: Array(groups.prefix(60)), ioVersion: "0.0")
        try oracle.swmrCrash(path("killed.h5"), messages: Array(msgs[60..<100]), ioGroups: Array(groups[60..<100]), kill: true)
        // An append torn in half: msgs longer than msg_headers.
        try oracle.write(path("torn.h5"), messages: Array(msgs.prefix(100)), ioGroups: Array(groups.prefix(100)), ioVersion: "0.0")
        try oracle.unequal(path("torn.h5"), extra: 5)
        let reference = try json(try CLI.run(["convert", clean, "-o", path("clean.h5"), "--json"]).stdout)
        for name in ["killed.h5", "torn.h5"] {
            let r = try CLI.run(["convert", path(name), "-o", path("p-" + name), "--json"])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            let s = try json(r.stdout)
            XCTAssertEqual(s["messages"] as? Int, 100, name)
            XCTAssertEqual(s["packets"] as? Int, reference["packets"] as? Int, name)
        }
    }

    /// --follow while a writer appends (larpix-control's h5py writer under SWMR, in steps), with
    /// h5py readers over HDF5 1.10.8 and 2.0 polling the packet file (swmr=True, refresh()).
    func testFollowConvertsALiveFileForLiveReaders() throws {
        let oracle = try PacketsOracle.debian(), h5py2 = try PacketsOracle.h5py2()
        let msgs = goodMessages(3000, seed: 77)
        let jsonl = dir.appendingPathComponent("in.jsonl")
        try Oracle.writeJSONL(jsonl, messages: msgs, ioGroups: msgs.indices.map { UInt8(1 + $0 % 4) })
        let ready = path("ready"), stop = path("stop")
        let writer = try CLI.Background(oracle.oracle.python, [TestSupport.oracleScript("oracle.py"), "swmr-writer", path("live.raw.h5"),
                                                               "--from-jsonl", jsonl.path, "--steps", "30", "--sleep", "0.05", "--ready", ready])
        try writer.waitFor("the raw file", timeout: 60) { FileManager.default.fileExists(atPath: ready) }
        let convert = try CLI.Background(CLI.binary(), ["convert", "--follow", path("live.raw.h5"), "-o", path("live.h5"), "--json"])
        let readers = try [oracle, h5py2].enumerated().map { i, o in
            try CLI.Background(o.oracle.python, [TestSupport.oracleScript("packets.py"), "live-reader", path("live.h5"),
                                                 "--stop", stop, "--out", path("reader\(i)")])
        }
        XCTAssertEqual(try writer.wait(timeout: 60), 0, writer.stderr)
        XCTAssertEqual(try convert.wait(timeout: 60), 0, "convert --follow ends by itself once the writer closed: \(convert.stderr)")
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        for r in readers { XCTAssertEqual(try r.wait(timeout: 60), 0, r.stderr) }
        let s = try json(convert.stdout)
        XCTAssertEqual(s["messages"] as? Int, msgs.count)

        // Rows equal larpix-control's conversion of the closed raw file; every reader read
        // them all, in order, with no failed read.
        let results = try oracle.batch([["raw": [path("live.raw.h5")], "reference": path("ref.h5")],
                                        ["compare": [path("live.h5"), path("ref.h5")]]], in: dir)
        PacketsOracle.assertSameRows(results[1], "--follow")
        let check = """
        import json, sys, numpy as np, h5py
        p = h5py.File(sys.argv[1], 'r')['packets'][:]
        for prefix in sys.argv[2:]:
            st = json.load(open(prefix + '.json'))
            print(json.dumps({'failures': st['failures'], 'errors': st['errors'], 'reads': st['reads'],
                              'equal': np.load(prefix + '.npy').tobytes() == p.tobytes()}))
        """
        let out = try oracle.oracle.python(check, [path("live.h5"), path("reader0"), path("reader1")])
        let lines = out.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, out.stderr)
        for l in lines {
            let st = try json(String(l))
            XCTAssertEqual(st["failures"] as? Int, 0, "\(st)")
            XCTAssertEqual(st["equal"] as? Bool, true, "a live reader read every row, in order: \(st)")
            XCTAssertGreaterThan(st["reads"] as? Int ?? 0, 1)
        }
    }
}
