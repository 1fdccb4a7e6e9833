import PACMAN
import Foundation
import LArPixRaw
import PacmanEmulator
import XCTest
import ZMQ

/// The emulated dataserver, received by a real SUB on 127.0.0.1.
final class PacmanPublisherTests: XCTestCase {
    static let time: UInt32 = 1_700_000_000

    /// Options for a test: a free port, no limit on the queue, a fixed msg_time, and a start
    /// that waits for the subscriber.
    func options(count: Int?, words: ClosedRange<Int> = 1...200, seed: UInt64 = 7) -> PacmanPublisher.Options {
        var o = PacmanPublisher.Options()
        o.endpoint = "tcp://127.0.0.1:*"
        o.count = count
        o.words = words
        o.seed = seed
        o.messageTime = Self.time
        o.sendHighWaterMark = 0
        o.waitForSubscribers = 3
        o.startDelay = 0.1
        return o
    }

    func subscriber(_ endpoint: String, highWaterMark: Int = 0) throws -> ZMQSocket {
        let s = try ZMQSocket(type: .sub)
        try s.setReceiveHighWaterMark(highWaterMark)
        try s.setLinger(0)
        try s.subscribe()
        try s.connect(endpoint)
        return s
    }

    /// Runs the publisher on a thread of its own, as the CLI and the daemon tests do.
    final class Background: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<PublishReport, Error>?
        private(set) var progressReports: [PublishReport] = []
        private let lock = NSLock()

        init(_ publisher: PacmanPublisher) {
            Thread.detachNewThread { [self] in
                let r = Result {
                    try publisher.run { report in self.lock.withLock { self.progressReports.append(report) } }
                }
                lock.withLock { result = r }
                done.signal()
            }
        }

        func wait(seconds: Double = 5) throws -> PublishReport {
            guard done.wait(timeout: .now() + seconds) == .success else { throw CancellationError() }
            return try lock.withLock { result! }.get()
        }

        var progress: [PublishReport] { lock.withLock { progressReports } }
    }

    func receive(_ s: ZMQSocket, _ n: Int) throws -> [[[UInt8]]] {
        try (0..<n).map { i in
            guard let frames = try s.receiveMultipart(timeoutMilliseconds: 3000) else {
                throw XCTSkip("received only \(i) of \(n) messages")
            }
            return frames.map(\.bytes)
        }
    }

    func testSubscriberReceivesExactlyTheGeneratedMessages() throws {
        let publisher = try PacmanPublisher(options: options(count: 300))
        let sub = try subscriber(publisher.endpoint)
        let run = Background(publisher)
        let got = try receive(sub, 300)
        let report = try run.wait()

        let expected = PacmanPublisher.generatedMessages(seed: 7, words: 1...200, time: Self.time, count: 300)
        XCTAssertEqual(got.map(\.count), Array(repeating: 1, count: 300), "single frames")
        XCTAssertEqual(got.map { $0[0] }, expected)
        XCTAssertNil(try sub.receiveMessage(timeoutMilliseconds: 100), "more than count messages")
        XCTAssertEqual(report.messages, 300)
        XCTAssertEqual(report.dropped, 0)
        XCTAssertEqual(report.bytes, expected.reduce(0) { $0 + $1.count })
        XCTAssertEqual(report.wordsTotal, expected.reduce(0) { $0 + ($1.count - 8) / 16 })
        for m in got { XCTAssertTrue(PacmanMessage.validate(m[0]).isWellFormed) }
        // Other seeds give other messages.
        XCTAssertNotEqual(PacmanPublisher.generatedMessages(seed: 8, words: 1...200, time: Self.time, count: 3),
                          Array(expected.prefix(3)))
    }

    func testTaggedModeSendsTheIOGroupFrameFirst() throws {
        var o = options(count: 50)
        o.tagged = 9
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint)
        let run = Background(publisher)
        let got = try receive(sub, 50)
        let report = try run.wait()
        XCTAssertEqual(got.map { $0.count }, Array(repeating: 2, count: 50))
        XCTAssertEqual(got.map { $0[0] }, Array(repeating: [9], count: 50))
        XCTAssertEqual(got.map { $0[1] }, PacmanPublisher.generatedMessages(seed: 7, words: 1...200, time: Self.time, count: 50))
        XCTAssertEqual(report.bytes, got.reduce(0) { $0 + $1[1].count }, "bytes count payloads only")
    }

    func testReplayRepublishesInOrderAndCycles() throws {
        let replay = [PacmanMessageBuilder.dataMessage(time: 1, words: [.trigger(triggerType: 1, timestamp: 2)]),
                      [0x21, 0, 0, 0, 0, 0, 0, 0], Array("not pacman at all".utf8)]
        var o = options(count: 7)
        o.replay = replay
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint)
        let run = Background(publisher)
        let got = try receive(sub, 7).map { $0[0] }
        let report = try run.wait()
        XCTAssertEqual(got, [0, 1, 2, 0, 1, 2, 0].map { replay[$0] })
        XCTAssertEqual(report.messages, 7)
        XCTAssertEqual(report.wordsTotal, 3, "words from the headers that have one")

        // Without a count, one pass.
        o.count = nil
        let once = try PacmanPublisher(options: o)
        let sub2 = try subscriber(once.endpoint)
        XCTAssertEqual(try Background(once).wait().messages, 3)
        XCTAssertEqual(try receive(sub2, 3).map { $0[0] }, replay)
        XCTAssertNil(try sub2.receiveMessage(timeoutMilliseconds: 100))

        // With a time limit, it cycles while the time lasts.
        var timed = o
        timed.seconds = 0.2
        timed.rate = .messagesPerSecond(200)
        timed.waitForSubscribers = nil
        timed.startDelay = 0
        XCTAssertTrue((20...60).contains(try Background(try PacmanPublisher(options: timed)).wait().messages))
    }

    func testMessageRateIsHeldRoughly() throws {
        var o = options(count: 200, words: 1...4)
        o.rate = .messagesPerSecond(1000)
        o.progressInterval = 0.05
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint)
        let run = Background(publisher)
        _ = try receive(sub, 200)
        let report = try run.wait()
        XCTAssertEqual(report.messages, 200)
        XCTAssertTrue((0.15...2.0).contains(report.seconds), "200 messages at 1000/s took \(report.seconds) s")
        // Progress came while it ran, counting up.
        let progress = run.progress.map(\.messages)
        XCTAssertGreaterThanOrEqual(progress.count, 2, "\(progress)")
        XCTAssertEqual(progress, progress.sorted())
        XCTAssertTrue(progress.allSatisfy { $0 > 0 && $0 < 200 }, "\(progress)")
    }

    func testByteRateIsHeldRoughly() throws {
        var o = options(count: 100, words: 10...10)  // 168-byte messages
        o.rate = .bytesPerSecond(168 * 500)          // 500 messages/s
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint)
        let run = Background(publisher)
        _ = try receive(sub, 100)
        let report = try run.wait()
        XCTAssertEqual(report.bytes, 16_800)
        XCTAssertTrue((0.15...2.0).contains(report.seconds), "16800 bytes at 84000 B/s took \(report.seconds) s")
    }

    /// With the default (no drops), a small queue makes the publisher wait for a slow reader.
    func testFullQueueBlocksInsteadOfDropping() throws {
        var o = options(count: 300, words: 1000...1000)  // 16 KB messages, 4.8 MB
        o.sendHighWaterMark = 2
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint, highWaterMark: 2)
        try sub.setReceiveBufferSize(64 << 10)
        let run = Background(publisher)
        Thread.sleep(forTimeInterval: 0.4)  // let the queues fill
        let got = try receive(sub, 300).map { $0[0] }
        let report = try run.wait()
        XCTAssertEqual(report.dropped, 0)
        XCTAssertEqual(got, PacmanPublisher.generatedMessages(seed: 7, words: 1000...1000, time: Self.time, count: 300))
    }

    /// With dropOnFull, what does not fit is dropped and counted, as a dataserver drops it.
    func testDropOnFullDropsAndCounts() throws {
        var o = options(count: 2000, words: 1000...1000)  // 32 MB to a reader that does not read
        o.sendHighWaterMark = 1
        o.dropOnFull = true
        let publisher = try PacmanPublisher(options: o)
        let sub = try subscriber(publisher.endpoint, highWaterMark: 1)
        try sub.setReceiveBufferSize(64 << 10)
        let report = try Background(publisher).wait()
        XCTAssertGreaterThan(report.dropped, 0)
        XCTAssertEqual(report.messages + report.dropped, 2000)
        var received = 0
        while try sub.receiveMessage(timeoutMilliseconds: 200) != nil { received += 1 }
        XCTAssertEqual(received, report.messages, "every message reported sent arrived")
    }

    func testStopEndsAnUnlimitedRun() throws {
        var o = options(count: nil, words: 1...10)
        o.waitForSubscribers = nil
        o.startDelay = 0
        o.rate = .messagesPerSecond(2000)
        let publisher = try PacmanPublisher(options: o)
        let run = Background(publisher)
        Thread.sleep(forTimeInterval: 0.2)
        publisher.stop()
        let report = try run.wait(seconds: 2)
        XCTAssertGreaterThan(report.messages, 50)
        XCTAssertLessThan(report.seconds, 1)
    }

    func testSecondsLimitEndsTheRun() throws {
        var o = options(count: nil, words: 1...10)
        o.waitForSubscribers = nil
        o.startDelay = 0
        o.seconds = 0.2
        o.rate = .messagesPerSecond(1000)
        let report = try Background(try PacmanPublisher(options: o)).wait()
        XCTAssertTrue((0.19...1.0).contains(report.seconds), "\(report.seconds)")
        XCTAssertTrue((100...260).contains(report.messages), "\(report.messages)")
    }

    func testWaitingForAbsentSubscribersFails() throws {
        var o = options(count: 1)
        o.waitForSubscribers = 0.2
        let publisher = try PacmanPublisher(options: o)
        XCTAssertThrowsError(try Background(publisher).wait(seconds: 2)) { e in
            XCTAssertEqual(e as? PacmanPublisherError,
                           .noSubscribers(endpoint: publisher.endpoint, connected: 0, wanted: 1, seconds: 0.2))
        }
    }

    func testBadOptionsAndEndpointsAreRefused() throws {
        var o = options(count: 1)
        o.words = 0...70000
        XCTAssertThrowsError(try PacmanPublisher(options: o)) { XCTAssertTrue("\($0)".contains("words"), "\($0)") }
        o = options(count: 1)
        o.rate = .messagesPerSecond(0)
        XCTAssertThrowsError(try PacmanPublisher(options: o))
        o = options(count: 1)
        o.replay = []
        XCTAssertThrowsError(try PacmanPublisher(options: o))
        o = options(count: 1)
        o.endpoint = "tcp://bad:x"
        XCTAssertThrowsError(try PacmanPublisher(options: o)) { XCTAssertEqual("\($0)", "zmq bind tcp://bad:x: Invalid argument") }
    }

    func testReportIsCodable() throws {
        let r = PublishReport(messages: 3, bytes: 72, seconds: 0.5, wordsTotal: 3, dropped: 0)
        let data = try JSONEncoder().encode(r)
        XCTAssertEqual(try JSONDecoder().decode(PublishReport.self, from: data), r)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any]).keys.sorted()
        XCTAssertEqual(keys, ["bytes", "dropped", "droppedWords", "messages", "seconds", "sentWords", "wordsTotal"])
    }
}
