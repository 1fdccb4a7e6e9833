import Foundation
import LArPixRaw
import TestSupport
import XCTest
@testable import LArPixPackets

/// Our conversion against larpix-control 3.7.0's convert_rawhdf5_to_hdf5.py, row by row and
/// field by field, on raw files written by our writer, by larpix-control's to_rawfile, and
/// by both; several inputs into one output; from_file and pip's h5py on our output.
final class OracleConversionTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("packets") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func testRowsEqualLarpixControlsForEveryKindOfRawFile() throws {
        let oracle = try PacketsOracle.debian()
        let seed = UInt64(ProcessInfo.processInfo.environment["LARPIX_TEST_SEED"] ?? "") ?? 20_261_201
        print("seed \(seed)")
        var cases = PacketCases(seed: seed)
        // Ours: big messages too (4,000 and 16,000 words). larpix-control's: small ones. Mixed:
        // larpix-control's file appended to by our writer.
        let a = cases.messages(400, big: true), b = cases.messages(300), c1 = cases.messages(150), c2 = cases.messages(150)
        let w = try RawFileWriter.create(path("ours.raw.h5"), ioVersion: "0.0")
        try w.append(messages: a.messages, ioGroups: a.ioGroups)
        try w.close()
        try oracle.oracle.write(path("ref.raw.h5"), messages: b.messages, ioGroups: b.ioGroups, ioVersion: "0.0")
        try oracle.oracle.write(path("mixed.raw.h5"), messages: c1.messages, ioGroups: c1.ioGroups, ioVersion: "0.0")
        let m = try RawFileWriter.openForAppend(path("mixed.raw.h5"))
        try m.append(messages: c2.messages, ioGroups: c2.ioGroups)
        try m.close()

        // Each of larpix-control's and the mixed file alone, and all three into one output (the
        // big messages only there: larpix-control takes seconds per 10,000 packets, from_file more).
        let raws = ["ours.raw.h5", "ref.raw.h5", "mixed.raw.h5"].map(path)
        var jobs: [[String: Any]] = []
        for i in 1...2 {
            let s = try PacketConverter.convert([raws[i]], to: path("ours\(i).h5"))
            XCTAssertEqual(s.skippedTotal, 0)
            jobs.append(["raw": [raws[i]], "reference": path("ref\(i).h5")])
        }
        let all = try PacketConverter.convert(raws, to: path("all.h5"))
        XCTAssertEqual(all.messages, a.messages.count + b.messages.count + c1.messages.count + c2.messages.count)
        XCTAssertEqual(all.skippedTotal, 0)
        XCTAssertGreaterThan(all.wordCountMismatches, 0)
        XCTAssertEqual(Set(all.packets.named.keys), ["data", "test", "config_write", "config_read", "timestamp", "sync", "trigger"])
        jobs.append(["raw": raws, "reference": path("refall.h5")])
        jobs.append(["compare": [path("ours1.h5"), path("ref1.h5")], "from_file": true])
        jobs.append(["compare": [path("ours2.h5"), path("ref2.h5")], "from_file": true])
        jobs.append(["compare": [path("all.h5"), path("refall.h5")]])

        let results = try oracle.batch(jobs, in: dir)
        XCTAssertEqual(results.count, jobs.count)
        for (i, r) in results.suffix(3).enumerated() { PacketsOracle.assertSame(r, ["larpix-control's", "mixed", "all three"][i]) }
        XCTAssertEqual((results.last?["rows"] as? [Int])?.first, all.rowsAfter)

        // pip's h5py (HDF5 2.x) reads our files and finds the same as in larpix-control's.
        let h5py2 = try PacketsOracle.h5py2()
        let r2 = try h5py2.batch([["compare": [path("all.h5"), path("refall.h5")]],
                                  ["compare": [path("ours2.h5"), path("ref2.h5")], "from_file": true]], in: dir)
        PacketsOracle.assertSame(r2[0], "all three, read by pip's h5py")
        PacketsOracle.assertSame(r2[1], "mixed, read by larpix-control over pip's h5py")
        XCTAssertEqual((r2[0]["h5py"] as? [String])?.last?.hasPrefix("2."), true)
    }

    func testChunkGuessAndTxTimestampsAgainstPythonItself() throws {
        let oracle = try PacketsOracle.debian()
        let rows = [0, 1, 2, 5, 100, 227, 228, 1000, 4096, 28_000, 65_536, 665_600, 1_000_000, 10_000_000, 163_850_240]
        let guesses = try JSONSerialization.jsonObject(with: Data(try oracle.run(["guess-chunk"] + rows.map(String.init)).utf8)) as? [Int]
        XCTAssertEqual(rows.map { ChunkGuess.rows(forInitialRows: $0, rowBytes: 36) }, guesses)

        let spellings = ["12345678", " 1234567", "+0000042", "-1234567", "1_2_3_45", "\t99\n   ", "\u{0B}\u{0C}123456",
                         "1234567\u{0}", "_1234567", "1234567_", "+-123456", "1 2 3456", "-_123456", "+0x12345", "1234__56",
                         "\u{1C}1234567", "        ", "-0000000", "99999999"]
        let hex = spellings.map { String.hex(Array($0.utf8)) }
        let values = try JSONSerialization.jsonObject(with: Data(try oracle.run(["pyint"] + hex).utf8)) as? [Any]
        let ours: [Any] = spellings.map { s in
            Array(s.utf8).withUnsafeBytes { PythonDecimal.uint32($0) }.map { Int($0) as Any } ?? NSNull()
        }
        XCTAssertEqual(values.map { NSArray(array: $0) }, NSArray(array: ours), "\(spellings)")
    }
}
