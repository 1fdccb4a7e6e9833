import Foundation
import LArPixRaw
import TestSupport
import XCTest

final class RawFileRoundTripTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("rawfile") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Messages of the sizes the issue names, with all 256 io_group values among them.
    static func sampleMessages() -> (messages: [[UInt8]], ioGroups: [UInt8]) {
        var rng = SystemRandomNumberGenerator()
        var messages: [[UInt8]] = [[], [0x44], Array(repeating: 0x44, count: 24), (0..<262_144).map { _ in UInt8.random(in: 0...255, using: &rng) }]
        for i in 0..<256 { messages.append((0..<(8 + 16 * (i % 5))).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }) }
        let groups = (0..<messages.count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        return (messages, groups)
    }

    func testWriterThenReaderRoundTrip() throws {
        let (msgs, groups) = Self.sampleMessages()
        let p = path("a.h5")
        let w = try RawFileWriter.create(p, ioVersion: "0.0")
        try w.append(messages: Array(msgs[0..<100]), ioGroups: Array(groups[0..<100]))
        try w.flush()
        try w.append(messages: Array(msgs[100...]), ioGroups: Array(groups[100...]))
        try w.close()
        let c = try RawFile.read(p)
        XCTAssertEqual(c.messages, msgs)
        XCTAssertEqual(c.headers["io_groups"], groups.map(Int.init))
        XCTAssertEqual(c.version, "0.0")
        XCTAssertEqual(c.ioVersion, "0.0")
        XCTAssertEqual(Set(groups).count, 256)
    }

    func testLarpixControlReadsOurFileByteForByte() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = Self.sampleMessages()
        let p = path("ours.h5")
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)], ioVersion: "0.0")
        let c = try oracle.read(p)
        XCTAssertEqual(c.messages.count, msgs.count)
        XCTAssertEqual(c.messages, msgs)
        XCTAssertEqual(c.ioGroups, groups)
        XCTAssertEqual(c.meta["version"] as? String, "0.0")
        XCTAssertEqual(c.meta["io_version"] as? String, "0.0")
    }

    func testPipH5pyWithHDF52ReadsOurFile() throws {
        let oracle = try Oracle.h5py2()
        let (msgs, groups) = Self.sampleMessages()
        let p = path("ours2.h5")
        try RawFile.write(p, messages: msgs, headers: ["io_groups": groups.map(Int.init)])
        let c = try oracle.read(p, command: "h5py-read")
        XCTAssertTrue((c.meta["hdf5"] as? String ?? "").hasPrefix("2."), "expected HDF5 2.x, got \(c.meta["hdf5"] ?? "?")")
        XCTAssertEqual(c.messages, msgs)
        XCTAssertEqual(c.ioGroups, groups)
        // larpix-control itself over HDF5 2.x, too.
        let viaLarpix = try oracle.read(p)
        XCTAssertEqual(viaLarpix.messages, msgs)
    }

    func testWeReadLarpixControlFilesAndAlternatingAppends() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = Self.sampleMessages()
        let p = path("theirs.h5")
        try oracle.write(p, messages: Array(msgs[0..<50]), ioGroups: Array(groups[0..<50]), ioVersion: "0.0")
        try RawFile.write(p, messages: Array(msgs[50..<120]), headers: ["io_groups": groups[50..<120].map(Int.init)], ioVersion: "0.0")
        try oracle.write(p, messages: Array(msgs[120..<200]), ioGroups: Array(groups[120..<200]), ioVersion: "0.0")
        try RawFile.write(p, messages: Array(msgs[200...]), headers: ["io_groups": groups[200...].map(Int.init)])
        let ours = try RawFile.read(p)
        XCTAssertEqual(ours.messages, msgs)
        XCTAssertEqual(ours.headers["io_groups"], groups.map(Int.init))
        let theirs = try oracle.read(p)
        XCTAssertEqual(theirs.messages, msgs)
        XCTAssertEqual(theirs.ioGroups, groups)
    }
}
