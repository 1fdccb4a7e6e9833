import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// verify: totals, every malformed message with its reason, and the exit status.
final class VerifyTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-verify") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A request ('?') with a ping word and a reply ('!') with an error word.
    static let requestReply: [[UInt8]] = [
        [0x3F, 1, 0, 0, 0, 0, 1, 0] + [0x50] + [UInt8](repeating: 0, count: 15),
        [0x21, 2, 0, 0, 0, 0, 2, 0] + [0x50] + [UInt8](repeating: 0, count: 15) + [0x45, 3] + Array("bad register".utf8) + [0, 0],
    ]

    func testAllWellFormedExitsZeroWithTotals() throws {
        let oracle = try Oracle.debian()
        let (msgs, groups) = sampleMessages(120)
        let all = msgs + Self.requestReply
        let p = path("good.h5")
        try oracle.write(p, messages: all, ioGroups: groups + [1, 1], ioVersion: "0.0")
        var words: [UInt8: Int] = [:]
        for m in msgs { for w in stride(from: 8, to: m.count, by: 16) { words[m[w], default: 0] += 1 } }

        let r = try CLI.run(["verify", p, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(o["messages"] as? Int, 122)
        XCTAssertEqual(o["well_formed"] as? Int, 122)
        XCTAssertEqual(o["malformed"] as? Int, 0)
        XCTAssertEqual(o["by_type"] as? [String: Int], ["data": 120, "request": 1, "reply": 1])
        XCTAssertEqual(o["data_words"] as? Int, words[0x44])
        XCTAssertEqual(o["trigger_words"] as? Int, words[0x54])
        XCTAssertEqual(o["sync_words"] as? Int, words[0x53])
        XCTAssertEqual(o["other_words"] as? Int, 3)
        XCTAssertGreaterThan(words[0x54] ?? 0, 10)
        XCTAssertEqual((o["malformed_messages"] as? [Any])?.count, 0)

        let t = try CLI.run(["verify", p])
        XCTAssertEqual(t.status, 0)
        XCTAssertTrue(t.stdout.contains("malformed:           0\n"), t.stdout)
        XCTAssertFalse(t.stdout.contains("malformed messages:"))
    }

    func testMalformedMessagesAreListedAndExitOne() throws {
        let (msgs, groups) = sampleMessages(10)
        var bad: [[UInt8]] = []
        bad.append([])                                                    // empty
        bad.append([0x44, 0, 0])                                          // shorter than the header
        bad.append([0x00, 0, 0, 0, 0, 0, 0, 0])                           // unknown type
        bad.append(Array(msgs[3].dropLast()))                             // length does not match words
        bad.append([0x44, 0, 0, 0, 0, 0, 1, 0] + [0x50] + [UInt8](repeating: 0, count: 15))  // ping word in a data message
        // Interleave: good, bad, good, bad, …
        var all: [[UInt8]] = [], allGroups: [UInt8] = []
        var badIndex: [Int] = []
        for i in 0..<10 {
            all.append(msgs[i]); allGroups.append(groups[i])
            if i < bad.count { badIndex.append(all.count); all.append(bad[i]); allGroups.append(UInt8(200 + i)) }
        }
        let p = path("bad.h5")
        try RawFile.write(p, messages: all, headers: ["io_groups": allGroups.map(Int.init)], ioVersion: "0.0")

        let r = try CLI.run(["verify", p, "--json"])
        assertFailure(r, status: 1, subject: p, contains: "5 of 15 messages are not well-formed")
        let o = try jsonObject(r.stdout)
        XCTAssertEqual(o["messages"] as? Int, 15)
        XCTAssertEqual(o["well_formed"] as? Int, 10)
        XCTAssertEqual(o["malformed"] as? Int, 5)
        let list = try XCTUnwrap(o["malformed_messages"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["index"] as? Int }, badIndex)
        XCTAssertEqual(list.map { $0["io_group"] as? Int }, [200, 201, 202, 203, 204])
        XCTAssertEqual(list.map { $0["bytes"] as? Int }, bad.map(\.count))
        let reasons = list.map { $0["reason"] as? String ?? "" }
        for (reason, expected) in zip(reasons, ["empty", "shorter than the 8-byte header", "unknown message type 0x00",
                                                "does not match", "not allowed in a data message"]) {
            XCTAssertTrue(reason.contains(expected), "\(reason) should say \(expected)")
        }

        let t = try CLI.run(["verify", p])
        XCTAssertEqual(t.status, 1)
        XCTAssertTrue(t.stdout.contains("malformed messages:\n  index 1 io_group 200 (0 bytes): empty\n"), t.stdout)
        XCTAssertEqual(t.stdout.components(separatedBy: "\n  index ").count - 1, 5)

        // info counts only the well-formed ones for msg_time.
        let info = try jsonObject(try CLI.run(["info", p, "--json"]).stdout)
        XCTAssertEqual(info["pacman_messages"] as? Int, 10)
        XCTAssertEqual((info["last_msg_time"] as? [String: Any])?["raw"] as? Int, 1_700_000_009)

        // File errors keep their own status.
        assertFailure(try CLI.run(["verify", path("none.h5")]), status: 10, subject: path("none.h5"))
    }
}
