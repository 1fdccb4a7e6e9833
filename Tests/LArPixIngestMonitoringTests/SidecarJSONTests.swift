import Foundation
import XCTest
@testable import LArPixIngest
@testable import LArPixIngestMonitoring
import LArPixRaw

/// The sidecar's own JSON writer must write what JSONSerialization wrote, byte for byte.
final class SidecarJSONTests: XCTestCase {
    static func foundation(_ o: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    func assertSame(_ o: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = String(decoding: try SidecarJSON.data(o), as: UTF8.self)
        XCTAssertEqual(ours, try Self.foundation(o), file: file, line: line)
    }

    func testRecordsAsJSONSerializationWritesThem() throws {
        var r = FileRecord(path: "/data/binary-0000042-2026_12_01_20_00_00_CET.h5", created: 1_764_590_000.25, messagesBefore: 0,
                           run: RunTag(run: 42, subrun: 3, dataStream: "physics"))
        r.modified = 1_764_590_600.75
        r.messages = 1234; r.bytes = 567_890
        for g in [1, 2, 10, 255] { r.messagesByIOGroup[g] = g * 7 }
        r.qualityByIOGroup[2].dataWords = 99; r.qualityByIOGroup[2].heartbeats = 3; r.qualityByIOGroup[10].syncs = 1
        r.firstMessageTime = 1_764_590_001; r.lastMessageTime = 1_764_590_599
        let sums = FileChecksums(adler32: 0x01ab_cdef, sha256: Array(repeating: 0xa5, count: 32), bytes: 98765)
        let record = FileSidecar.json(record: r, fileMessages: 1234, closedAt: Date(timeIntervalSince1970: 1_764_590_601.5),
                                      reason: "rotation: max_messages", closeError: nil, checksums: sums)
        try assertSame(record)
        // Untagged, nothing counted, no message times, a close error with characters to escape.
        var bare = FileRecord(path: "/data/x.h5", created: 0, messagesBefore: 5)
        bare.modified = 1e-7
        try assertSame(FileSidecar.json(record: bare, fileMessages: 5, closedAt: Date(timeIntervalSince1970: 0), reason: "stop",
                                        closeError: "HDF5 said \"no\"\n\tat /a/b\\c \u{1}", checksums: sums))
    }

    func testValuesAndKeysAsJSONSerializationWritesThem() throws {
        try assertSame(["d": [0.1, 2.0, -3.5, 1_764_590_000.123456, 1e20, 1e-7, 123456789012.5, -0.0, Double.leastNonzeroMagnitude, 1.7976931348623157e308] as [Any]])
        try assertSame(["i": [0, -1, Int.max, Int.min] as [Any], "b": [true, false] as [Any], "n": NSNull(), "s": "ü/é ✓ \u{7f}"])
        try assertSame(["empty": [String: Any](), "none": [Any](), "nested": ["a": ["b": [1, [2, 3]] as [Any]]] as [String: Any]])
        let keys = ["H", "S", "C", "other", "1", "2", "10", "02", "a_b", "a1", "a.b", "a-b", "ab", "aB", "Ab", "AB", "a", "A",
                    "core.runs", "core.runs_subruns", "core.run_type", "message_bytes", "messages", "x9y", "x10y", "x09y"]
        try assertSame(Dictionary(uniqueKeysWithValues: keys.map { ($0, 1 as Any) }))
    }

    /// Keys from the characters catalog keys use, in every mix: the same order as JSONSerialization's.
    func testRandomKeysSortAsJSONSerializationSortsThem() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aAbBzZ0019_.-")
        for _ in 0..<200 {
            var d: [String: Any] = [:]
            for _ in 0..<12 {
                d[String((0..<Int.random(in: 1...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })] = 1
            }
            try assertSame(d)
        }
    }

    func testWhatItDoesNotWriteIsLeftToJSONSerialization() {
        XCTAssertThrowsError(try SidecarJSON.data(["n": NSNumber(value: 3)]))
        XCTAssertThrowsError(try SidecarJSON.data(["d": Double.nan]))
        XCTAssertThrowsError(try SidecarJSON.data(["ключ": 1]))
    }
}
