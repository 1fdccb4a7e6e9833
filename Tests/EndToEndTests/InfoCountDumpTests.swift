import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// info, count and dump on a file written by larpix-control (the reference).
final class InfoCountDumpTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-info") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// 300 messages by larpix-control, in two appends.
    func referenceFile() throws -> (oracle: Oracle, path: String, messages: [[UInt8]], groups: [UInt8]) {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(300)
        let p = path("ref.h5")
        try oracle.write(p, messages: Array(msgs[..<120]), ioGroups: Array(groups[..<120]), ioVersion: "0.0")
        try oracle.write(p, messages: Array(msgs[120...]), ioGroups: Array(groups[120...]))
        return (oracle, p, msgs, groups)
    }

    func testInfoCountDumpOnALarpixControlFile() throws {
        let (oracle, p, msgs, groups) = try referenceFile()
        let theirs = try oracle.read(p, extra: ["--headers-only"])

        // count
        let c = try CLI.run(["count", p])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(c.stdout, "300\n")
        XCTAssertEqual(try oracle.count(p), 300)

        // info --json: exact numbers
        let r = try CLI.run(["info", p, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let info = try jsonObject(r.stdout)
        XCTAssertEqual(info["messages"] as? Int, 300)
        XCTAssertEqual(info["message_bytes"] as? Int, msgs.reduce(0) { $0 + $1.count })
        XCTAssertEqual(info["smallest_message"] as? Int, 8)
        XCTAssertEqual(info["largest_message"] as? Int, 8 + 16 * 5)
        XCTAssertEqual(info["version"] as? String, "0.0")
        XCTAssertEqual(info["io_version"] as? String, "0.0")
        XCTAssertEqual(info["io_groups"] as? [String: Int], ["1": 100, "2": 100, "3": 100])
        XCTAssertEqual(info["pacman_messages"] as? Int, 300)
        XCTAssertEqual(info["swmr_writer_mark"] as? Bool, false)
        XCTAssertEqual(info["file_size"] as? Int, (try FileManager.default.attributesOfItem(atPath: p)[.size] as? Int))
        let first = try XCTUnwrap(info["first_msg_time"] as? [String: Any])
        let last = try XCTUnwrap(info["last_msg_time"] as? [String: Any])
        XCTAssertEqual(first["raw"] as? Int, 1_700_000_000)
        XCTAssertEqual(first["iso"] as? String, "2023-11-14T22:13:20.000000Z")
        XCTAssertEqual(last["raw"] as? Int, 1_700_000_299)
        XCTAssertEqual(last["iso"] as? String, "2023-11-14T22:18:19.000000Z")
        for key in ["created", "modified"] {
            let t = try XCTUnwrap(info[key] as? [String: Any])
            let raw = try XCTUnwrap(t["raw"] as? Double)
            XCTAssertEqual(raw, theirs.meta[key] as? Double, "\(key) as larpix-control reads it")
            let iso = try XCTUnwrap(t["iso"] as? String)
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let parsed = try XCTUnwrap(f.date(from: iso.replacingOccurrences(of: #"(\.\d{3})\d+"#, with: "$1", options: .regularExpression)), iso)
            XCTAssertEqual(parsed.timeIntervalSince1970, raw, accuracy: 0.001)
            XCTAssertTrue(iso.hasSuffix("Z"))
        }
        // modified is the second append's time, created the first's.
        XCTAssertGreaterThan(theirs.meta["modified"] as! Double, theirs.meta["created"] as! Double)

        // info text
        let t = try CLI.run(["info", p])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertTrue(t.stdout.contains("messages:         300\n"), t.stdout)
        XCTAssertTrue(t.stdout.contains("io_group 2:       100 messages"), t.stdout)
        XCTAssertTrue(t.stdout.contains("2023-11-14T22:18:19.000000Z (1700000299)"), t.stdout)
        XCTAssertTrue(t.stdout.contains("SWMR writer mark: not set"), t.stdout)

        // dump: byte for byte what was written, in every form
        let d = try CLI.run(["dump", p])
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertEqual(d.stdout, expectedJSONL(msgs[...], groups[...]))
        let h = try CLI.run(["dump", p, "--headers-only"])
        XCTAssertEqual(h.stdout, expectedJSONL(msgs[...], groups[...], headersOnly: true))
        let x = try CLI.run(["dump", p, "--format", "hex", "--start", "298"])
        XCTAssertEqual(x.stdout, "298 2 \(String.hex(msgs[298]))\n299 3 \(String.hex(msgs[299]))\n")
        let xh = try CLI.run(["dump", p, "--format", "hex", "--headers-only", "--end", "2"])
        XCTAssertEqual(xh.stdout, "0 1\n1 2\n")
    }

    func testDumpSliceBoundsArePythonSlices() throws {
        let (oracle, p, msgs, groups) = try referenceFile()
        let cases: [(String?, String?, Range<Int>)] = [
            ("-5", nil, 295..<300), ("-5", "-2", 295..<298), (nil, "-297", 0..<3), ("10", "13", 10..<13),
            ("-1000", "2", 0..<2), ("290", "1000", 290..<300), ("-2", "-5", 298..<298), ("400", nil, 300..<300),
        ]
        for (start, end, range) in cases {
            var args = ["dump", p]
            if let start { args += ["--start", start] }
            if let end { args += ["--end", end] }
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, expectedJSONL(msgs[range], groups[range]), "\(args)")
        }
        // Same slice as larpix-control's from_rawfile(start=-5, end=-2).
        let theirs = try oracle.read(p, extra: ["--start", "-5", "--end", "-2"])
        let ours = try CLI.run(["dump", p, "--start=-5", "--end=-2"])
        let lines = ours.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, theirs.messages.count)
        for (line, m) in zip(lines, theirs.messages) { XCTAssertTrue(line.hasSuffix("\"msg\": \"\(String.hex(m))\"}")) }
    }

    func testDumpOfAnEmptyFileAndLargeMessages() throws {
        // Empty file: count 0, dump nothing, info without msg_time.
        let e = path("empty.h5")
        XCTAssertEqual(try CLI.run(["write", e, "--from-jsonl", "-"], stdin: "").status, 0)
        XCTAssertEqual(try CLI.run(["count", e]).stdout, "0\n")
        XCTAssertEqual(try CLI.run(["dump", e]).stdout, "")
        let info = try jsonObject(try CLI.run(["info", e, "--json"]).stdout)
        XCTAssertEqual(info["messages"] as? Int, 0)
        XCTAssertTrue(info["first_msg_time"] is NSNull)
        XCTAssertTrue(info["io_version"] is NSNull)

        // Messages bigger than the output buffer, and odd sizes, come back intact.
        let big: [[UInt8]] = [(0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }, [], [0xff],
                              (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 >> 3) }]
        let groups: [UInt8] = [0, 255, 7, 9]
        let b = path("big.h5")
        try RawFile.write(b, messages: big, headers: ["io_groups": groups.map(Int.init)])
        let d = try CLI.run(["dump", b])
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertEqual(d.stdout, expectedJSONL(big[...], groups[...]))
        let info2 = try jsonObject(try CLI.run(["info", b, "--json"]).stdout)
        XCTAssertEqual(info2["pacman_messages"] as? Int, 0)
        XCTAssertEqual(info2["io_groups"] as? [String: Int], ["0": 1, "255": 1, "7": 1, "9": 1])

        // Lengths 1...9 end in each place of the hex output's four-byte step; one message holds
        // every byte value. Both formats.
        let odd: [[UInt8]] = (1...9).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ n &* 31) } } + [(0...255).map(UInt8.init)]
        let oddGroups = odd.indices.map { UInt8($0) }
        let o = path("odd.h5")
        try RawFile.write(o, messages: odd, headers: ["io_groups": oddGroups.map(Int.init)])
        let j = try CLI.run(["dump", o])
        XCTAssertEqual(j.status, 0, j.stderr)
        XCTAssertEqual(j.stdout, expectedJSONL(odd[...], oddGroups[...]))
        let h = try CLI.run(["dump", o, "--format", "hex"])
        XCTAssertEqual(h.status, 0, h.stderr)
        XCTAssertEqual(h.stdout, zip(odd, oddGroups).enumerated().map { "\($0) \($1.1) \(String.hex($1.0))\n" }.joined())
    }
}
