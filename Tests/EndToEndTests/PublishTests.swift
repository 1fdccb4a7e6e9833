import PACMAN
import Foundation
import LArPixRaw
import PacmanEmulator
import TestSupport
import XCTest
import ZMQ

/// publish, received by a real ZeroMQ subscriber.
final class PublishTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("e2e-publish") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Starts `publish` on a free port; returns the process and the endpoint it bound.
    func startPublisher(_ extra: [String]) throws -> (CLI.Background, String) {
        let p = try CLI.Background(try CLI.binary(), ["publish", "--endpoint", "tcp://127.0.0.1:*"] + extra)
        var endpoint = ""
        try p.waitFor("the publisher to bind", timeout: 10) {
            guard let r = p.stderr.range(of: "publishing on ") else { return false }
            let rest = p.stderr[r.upperBound...]
            guard let nl = rest.firstIndex(of: "\n") else { return false }
            endpoint = String(rest[..<nl])
            return true
        }
        return (p, endpoint)
    }

    func subscriber(_ endpoint: String) throws -> ZMQSocket {
        let s = try ZMQSocket(type: .sub)
        try s.setReceiveHighWaterMark(0)
        try s.subscribe()
        try s.connect(endpoint)
        return s
    }

    func receive(_ s: ZMQSocket, _ n: Int, frames: Int = 1) throws -> [[[UInt8]]] {
        var out: [[[UInt8]]] = []
        while out.count < n {
            guard let parts = try s.receiveMultipart(timeoutMilliseconds: 5000) else {
                throw CLIError(message: "received only \(out.count) of \(n) messages")
            }
            XCTAssertEqual(parts.count, frames)
            out.append(parts.map(\.bytes))
        }
        return out
    }

    func testGeneratedMessagesArriveAsReported() throws {
        let (p, endpoint) = try startPublisher(["--count", "200", "--words", "1-20", "--seed", "7", "--msg-time", "1700000000",
                                                "--wait-subscriber", "1", "--hwm", "0", "--json"])
        let sub = try subscriber(endpoint)
        let got = try receive(sub, 200).map { $0[0] }
        XCTAssertEqual(try p.wait(timeout: 20), 0, p.stderr)
        let expected = PacmanPublisher.generatedMessages(seed: 7, words: 1...20, time: 1_700_000_000, count: 200)
        XCTAssertEqual(got, expected)
        for m in got { guard case .wellFormed = PacmanMessage.validate(m) else { return XCTFail("malformed message sent") } }
        let report = try jsonObject(p.stdout)
        XCTAssertEqual(report["messages"] as? Int, 200)
        XCTAssertEqual(report["bytes"] as? Int, expected.reduce(0) { $0 + $1.count })
        XCTAssertEqual(report["dropped"] as? Int, 0)
        XCTAssertEqual(report["endpoint"] as? String, endpoint)
    }

    func testReplayOneIOGroupTagged() throws {
        let (msgs, groups) = sampleMessages(60)
        let file = path("replay.h5")
        try RawFile.write(file, messages: msgs, headers: ["io_groups": groups.map(Int.init)])
        let (p, endpoint) = try startPublisher(["--replay", file, "--io-group", "2", "--tagged", "9", "--wait-subscriber", "1", "--hwm", "0"])
        let sub = try subscriber(endpoint)
        let got = try receive(sub, 20, frames: 2)
        XCTAssertEqual(try p.wait(timeout: 20), 0, p.stderr)
        XCTAssertEqual(got.map { $0[0] }, Array(repeating: [9], count: 20))
        XCTAssertEqual(got.map { $0[1] }, zip(msgs, groups).filter { $0.1 == 2 }.map(\.0))
        let bytes = zip(msgs, groups).filter { $0.1 == 2 }.reduce(0) { $0 + $1.0.count }
        XCTAssertTrue(p.stdout.hasPrefix("\(endpoint): sent 20 messages, \(bytes) bytes in "), p.stdout)
        XCTAssertNil(try sub.receiveMessage(timeoutMilliseconds: 200), "sent more than the io_group's messages")
    }

    func testStopsOnSignalAndReportsAndEndpointErrors() throws {
        let (p, endpoint) = try startPublisher(["--rate", "500", "--words", "1-4", "--wait-subscriber", "0", "--json"])
        let sub = try subscriber(endpoint)
        _ = try receive(sub, 20)
        // A second publisher on the same endpoint: exit 22, one line naming the endpoint.
        let clash = try CLI.run(["publish", "--endpoint", endpoint, "--count", "1"])
        XCTAssertEqual(clash.status, 22)
        XCTAssertTrue(clash.stderr.contains("larpix-raw: \(endpoint): "), clash.stderr)
        XCTAssertTrue(clash.stderr.contains("in use"), clash.stderr)
        kill(p.process.processIdentifier, SIGINT)
        XCTAssertEqual(try p.wait(timeout: 10), 0, p.stderr)
        let report = try jsonObject(p.stdout)
        XCTAssertGreaterThanOrEqual(report["messages"] as? Int ?? 0, 20)
        XCTAssertEqual(report["stopped_by_signal"] as? Bool, true)
        // Usage errors.
        XCTAssertEqual(try CLI.run(["publish", "--rate", "1", "--byte-rate", "1k"]).status, 2)
        XCTAssertEqual(try CLI.run(["publish", "--io-group", "1"]).status, 2)
        XCTAssertEqual(try CLI.run(["publish", "--words", "9-3"]).status, 2)
        assertFailure(try CLI.run(["publish", "--replay", path("none.h5")]), status: 10, subject: path("none.h5"))
    }

    func testBoardModeReportsItsWordsByKindAndRefusesRates() throws {
        let (p, endpoint) = try startPublisher(["--board", "--data-rate", "200", "--trigger-rate", "5", "--heartbeat-interval", "0.5",
                                                "--seconds", "1.2", "--wait-subscriber", "0.5", "--msg-time", "1700000000", "--json"])
        let sub = try subscriber(endpoint)
        var got = 0, heartbeats = 0
        while got < 250, let m = try sub.receiveMessage(timeoutMilliseconds: 3000) {
            got += 1
            if m.bytes[8] == 0x53 && m.bytes[9] == PacmanSyncType.heartbeat { heartbeats += 1 }
        }
        XCTAssertEqual(try p.wait(timeout: 10), 0, p.stderr)
        let j = try jsonObject(p.stdout)
        let sent = try XCTUnwrap(j["sent_words"] as? [String: Int])
        // Words at 0, 5 ms, ... (240 data), triggers at 0.1, 0.3, ... (6), heartbeats at 0, 0.5, 1.0, a sync at 1 s.
        XCTAssertEqual(sent, ["messages": 250, "data": 240, "trigger": 6, "heartbeat": 3, "sync": 1])
        XCTAssertEqual(j["dropped"] as? Int, 0)
        XCTAssertEqual(got, 250, "every message reached the subscriber")
        XCTAssertEqual(heartbeats, 3)
        XCTAssertEqual(try CLI.run(["publish", "--board", "--rate", "5"]).status, 2)
        XCTAssertEqual(try CLI.run(["publish", "--data-rate", "0", "--no-syncs"]).status, 2)
    }
}
