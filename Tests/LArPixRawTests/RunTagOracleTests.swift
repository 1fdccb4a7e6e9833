import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// A run-tagged file (/meta run, subrun, data_stream) is still larpix-control's raw file: its
/// from_rawfile reads it, its to_rawfile appends to it, and the tag survives both; h5py sees
/// the attribute types crs_daq's dump_metadata.py expects (integers, a UTF-8 string).
final class RunTagOracleTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("runtag") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testLarpixControlReadsAndAppendsToARunTaggedFile() throws {
        let oracle = try Oracle.debian()
        let p = dir.appendingPathComponent("binary-0000042.h5").path
        let tag = RunTag(run: 42, subrun: 3, dataStream: "physics")
        let ours = (0..<300).map { i in (0..<(8 + 16 * (i % 5))).map { UInt8(truncatingIfNeeded: i &* 7 &+ $0) } }
        let w = try RawFileWriter.create(p, ioVersion: "0.0", run: tag)
        try w.append(messages: ours, ioGroups: ours.indices.map { UInt8($0 % 3 + 1) })
        try w.close()

        let read = try oracle.read(p)
        XCTAssertEqual(read.messages, ours, "from_rawfile reads every message")
        XCTAssertEqual(read.meta["version"] as? String, "0.0")
        let theirs = (0..<50).map { i in [UInt8](repeating: UInt8(i), count: 24) }
        try oracle.write(p, messages: theirs, ioGroups: theirs.map { _ in 9 }, ioVersion: "0.0")

        let after = try oracle.read(p)
        XCTAssertEqual(after.messages, ours + theirs, "to_rawfile appended after ours")
        let reader = try RawFileReader(path: p)
        XCTAssertEqual(reader.metadata.run, tag, "the tag survives larpix-control's append")
        XCTAssertEqual(try RawFile.count(p), 350)

        let attrs = try oracle.attrs(p)
        XCTAssertEqual(attrs["run"]?["kind"] as? String, "i")
        XCTAssertEqual(attrs["run"]?["itemsize"] as? Int, 8)
        XCTAssertEqual(attrs["run"]?["value"] as? Int, 42)
        XCTAssertEqual(attrs["subrun"]?["kind"] as? String, "i")
        XCTAssertEqual(attrs["subrun"]?["value"] as? Int, 4_200_003, "DUNE's run × 100000 + subrun")
        XCTAssertEqual(attrs["data_stream"]?["string"] as? String, "vlen")
        XCTAssertEqual(attrs["data_stream"]?["encoding"] as? String, "utf-8")
        XCTAssertEqual(attrs["data_stream"]?["value"] as? String, "physics")
    }

    func testAnUntaggedFileHasNoRunAttributes() throws {
        let p = dir.appendingPathComponent("plain.h5").path
        try RawFileWriter.create(p, ioVersion: "0.0").close()
        XCTAssertNil(try RawFileReader(path: p).metadata.run)
        // Appending during a run tags the file with it.
        let w = try RawFileWriter.openForAppend(p, run: RunTag(run: 7, subrun: 1, dataStream: "cosmics"))
        try w.close()
        XCTAssertEqual(try RawFileReader(path: p).metadata.run, RunTag(run: 7, subrun: 1, dataStream: "cosmics"))
    }
}
