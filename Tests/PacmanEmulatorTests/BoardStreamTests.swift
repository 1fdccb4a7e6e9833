import PACMAN
import Foundation
import PacmanEmulator
import XCTest
import ZMQ

/// The board-like stream: how many words of each kind in a known time, 'S' syncs every
/// 10,000,000 ticks with the timestamp counter restarting there, the dataserver's batching,
/// and drops at a send high-water mark of 100 reported by kind.
final class BoardStreamTests: XCTestCase {
    func settings(data: Double = 1000, triggers: Double = 0, heartbeat: Double? = nil, batching: Bool = false) -> BoardStream.Settings {
        var s = BoardStream.Settings()
        (s.dataRate, s.triggerRate, s.heartbeatInterval, s.batching, s.startTime) = (data, triggers, heartbeat, batching, 1_700_000_000)
        return s
    }

    /// Every message of the stream before `seconds`.
    func messages(_ s: BoardStream.Settings, seconds: Double) -> [BoardStream.Message] {
        var stream = BoardStream(settings: s), out: [BoardStream.Message] = []
        while true {
            let m = stream.next()
            if m.seconds >= seconds { return out }
            out.append(m)
        }
    }

    func total(_ ms: [BoardStream.Message]) -> BoardWordCounts { ms.reduce(into: BoardWordCounts()) { $0 += $1.counts } }

    func testWordCountsOverKnownTimeAndCountsMatchTheBytes() {
        let ms = messages(settings(data: 1000, triggers: 10, heartbeat: 0.5), seconds: 3)
        XCTAssertEqual(total(ms), BoardWordCounts(data: 3000, trigger: 30, heartbeat: 6, sync: 2, messages: 3038))
        for m in ms {
            let words = PacmanMessage.words(m.bytes)!
            XCTAssertEqual(words.count, 1, "one word per message without batching")
            XCTAssertEqual(UInt32(littleEndian: m.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 1, as: UInt32.self) }),
                           1_700_000_000 + UInt32(m.seconds), "header seconds follow the stream's time")
        }
        XCTAssertEqual(zip(ms, ms.dropFirst()).filter { $0.seconds > $1.seconds }.count, 0, "in time order")
        let heartbeats = ms.filter { $0.counts.heartbeat == 1 }.map(\.seconds)
        XCTAssertEqual(heartbeats, [0, 0.5, 1, 1.5, 2, 2.5])
    }

    func testSSyncsEverySecondAndTheCounterRestartsOnlyThere() {
        let ms = messages(settings(data: 20_000, triggers: 100, batching: true), seconds: 3.5)
        var last: UInt32? = nil, syncTimes: [Double] = [], resetsAtSync = 0, syncSeen = false
        for m in ms {
            for w in PacmanMessage.words(m.bytes)! {
                switch w {
                case let .data(_, ts, _):
                    if let l = last, ts < l {
                        XCTAssertTrue(syncSeen, "the counter went back from \(l) to \(ts) with no sync")
                        resetsAtSync += 1
                    }
                    XCTAssertLessThan(ts, 10_000_000)
                    (last, syncSeen) = (ts, false)
                case let .sync(type, _, ts):
                    XCTAssertEqual(type, PacmanSyncType.sync)
                    XCTAssertEqual(ts, 10_000_000, "a sync carries the count at which the counter restarts")
                    syncTimes.append(m.seconds)
                    syncSeen = true
                default: break
                }
            }
        }
        XCTAssertEqual(syncTimes.count, 3)
        XCTAssertEqual(resetsAtSync, 3)
        // Batched: a sync goes out with the words of its millisecond.
        for (i, t) in syncTimes.enumerated() { XCTAssertEqual(t, Double(i + 1), accuracy: 0.0011) }
    }

    func testBatchingLikeTheDataserver() {
        // 100 words a millisecond: what waited 1 ms.
        let slow = messages(settings(data: 100_000, batching: true), seconds: 0.5)
        XCTAssertEqual(total(slow).data, 49_900, "the last millisecond's words go out at 0.5 s")
        XCTAssertTrue((499...501).contains(slow.count), "\(slow.count) messages")
        XCTAssertTrue(slow.allSatisfy { (99...101).contains($0.counts.words) }, "\(Set(slow.map(\.counts.words)))")
        // 8,000 words a millisecond: sent as soon as 4,000 wait.
        let fast = messages(settings(data: 8_000_000, batching: true), seconds: 0.05)
        XCTAssertEqual(total(fast).data, 400_000)
        XCTAssertEqual(Set(fast.map(\.counts.words)), [4000])
        XCTAssertTrue(fast.allSatisfy { $0.bytes.count == 8 + 16 * 4000 })
        // A heartbeat is a message of its own, even when batching.
        let hb = messages(settings(data: 100_000, heartbeat: 0.1, batching: true), seconds: 0.35).filter { $0.counts.heartbeat > 0 }
        XCTAssertEqual(hb.map(\.counts.words), [1, 1, 1, 1])
    }

    func testDropsAtTheSendHighWaterMarkAreReportedByKind() throws {
        var o = PacmanPublisher.Options()
        o.endpoint = "tcp://127.0.0.1:*"
        // 64 KiB messages: past the 100 queued and what TCP holds within a fifth of a second.
        o.board = settings(data: 4_000_000, heartbeat: 0.02, batching: true)
        o.seconds = 0.2
        (o.sendHighWaterMark, o.dropOnFull) = (100, true)
        o.waitForSubscribers = 3
        o.startDelay = 0.1
        let publisher = try PacmanPublisher(options: o)
        let sub = try ZMQSocket(type: .sub)
        try sub.setReceiveHighWaterMark(10)
        try sub.setReceiveBufferSize(64 << 10)
        try sub.setLinger(0)
        try sub.subscribe()
        try sub.connect(publisher.endpoint)
        // The subscriber reads nothing until the board is done: its queue fills and the board drops.
        let report = try publisher.run()
        var got = BoardWordCounts()
        while let m = try sub.receiveMessage(timeoutMilliseconds: 300) {
            got.messages += 1
            let b = m.bytes
            for o in stride(from: 8, to: b.count, by: 16) {
                switch (b[o], b[o + 1]) {
                case (0x44, _): got.data += 1
                case (0x54, _): got.trigger += 1
                case (0x53, PacmanSyncType.heartbeat): got.heartbeat += 1
                default: got.sync += 1
                }
            }
        }
        XCTAssertGreaterThan(report.dropped, 0)
        XCTAssertEqual(report.droppedWords.messages, report.dropped)
        XCTAssertEqual(got, report.sentWords, "what arrived is what the board says it sent")
        var all = report.sentWords
        all += report.droppedWords
        XCTAssertEqual(all, total(messages(o.board!, seconds: 0.2)), "sent + dropped is the whole stream")
    }

    func testBoardSettingsThatMakeNoStreamAreRefused() {
        var s = settings(data: 0)
        s.syncs = false
        XCTAssertNotNil(s.problem)
        var o = PacmanPublisher.Options()
        o.endpoint = "tcp://127.0.0.1:*"
        o.board = s
        XCTAssertThrowsError(try PacmanPublisher(options: o))
    }
}
