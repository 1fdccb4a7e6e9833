import Foundation
import LArPixRaw
import Logging
import TestSupport
import XCTest
import ZMQ
@testable import LArPixIngest

/// The data path without config or signals: real PUB sockets on loopback, the daemon's receivers,
/// batcher and writer, real files.
final class IngestPipelineTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("ingest") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A PUB bound to a free loopback port.
    func publisher() throws -> (ZMQSocket, String) {
        let pub = try ZMQSocket(type: .pub)
        try pub.setSendHighWaterMark(0)
        try pub.setLinger(2000)
        try pub.bind("tcp://127.0.0.1:*")
        return (pub, pub.lastEndpoint!)
    }

    func makeDaemon(sources: [SourceReceiver.Settings], rotateMaxMessages: Int = 0, batchMessages: Int = 64,
                    bufferBytes: Int = 64 << 20, directory: URL? = nil, receiverThreads: Int = 1) -> IngestPipeline {
        var seq = 0
        let d = directory ?? dir!
        var settings = WriterSettings(directory: d.path, append: false, ioVersion: "0.0", flushInterval: 0.2,
                                      rotateMaxBytes: 0, rotateMaxMessages: rotateMaxMessages, rotateMaxSeconds: 0,
                                      fileOptions: .init(), minFreeBytes: 0)
        settings.stopTimeout = 0.5
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return IngestPipeline(sources: sources, writer: settings,
                            batch: .init(maxMessages: batchMessages, maxBytes: 8 << 20, maxAge: .milliseconds(20)),
                            stats: IngestStats(bufferMaxBytes: bufferBytes),
                            nextPath: { _, _ in seq += 1; return d.appendingPathComponent(String(format: "part_%04d.h5", seq)).path },
                            logger: logger, receiverThreads: receiverThreads)
    }

    static func source(_ endpoint: String, ioGroup: UInt8?) -> SourceReceiver.Settings {
        .init(endpoint: endpoint, ioGroup: ioGroup, name: endpoint, receiveHighWaterMark: 0,
              receiveBufferBytes: 0, maxMessageBytes: 16 << 20)
    }

    /// Sends `count` distinct messages; waits first so the subscriber is connected (PUB/SUB slow joiner).
    static func send(_ pub: ZMQSocket, count: Int, tag: UInt8, tagged: Bool = false) throws -> [[UInt8]] {
        var sent: [[UInt8]] = []
        for i in 0..<count {
            var m: [UInt8] = [0x44] + withUnsafeBytes(of: UInt32(i).littleEndian, Array.init) + [0, 0, 0]
            m += [UInt8](repeating: tag, count: 16 * (i % 7))
            if tagged { try pub.send([tag], more: true) }
            try pub.send(m)
            sent.append(m)
        }
        return sent
    }

    func readAll(_ paths: [String]) throws -> [(UInt8, [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        for p in paths.sorted() {
            let c = try RawFile.read(p)
            for (m, g) in zip(c.messages!, c.headers["io_groups"]!) { out.append((UInt8(g), m)) }
        }
        return out
    }

    func h5Files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h5") }
            .map { dir.appendingPathComponent($0).path }.sorted()
    }

    /// On one receiver thread for the three sources (the default), on two (one serves two
    /// sources, one serves one) and on one per source (more asked than there are sources).
    func testTwoSourcesAndATaggedOneAreStoredExactly() throws {
        for threads in [1, 2, 5] {
            try checkTwoSourcesAndATaggedOne(receiverThreads: threads)
            try FileManager.default.removeItem(at: dir)
            dir = TestSupport.temporaryDirectory("ingest")
        }
    }

    func checkTwoSourcesAndATaggedOne(receiverThreads: Int) throws {
        let (a, ea) = try publisher(), (b, eb) = try publisher(), (t, et) = try publisher()
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 1), Self.source(eb, ioGroup: 2), Self.source(et, ioGroup: nil)],
                                receiverThreads: receiverThreads)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        let sa = try Self.send(a, count: 3000, tag: 1)
        let sb = try Self.send(b, count: 2000, tag: 2)
        let st = try Self.send(t, count: 500, tag: 9, tagged: true)
        // Two refused frames: empty, and a multipart on an untagged source.
        try a.send([UInt8]())
        try b.send([1], more: true); try b.send([2])
        PipelineHarness.wait(timeout: 10) { daemon.stats.messagesReceived.load(ordering: .relaxed) >= 5500 }
        Thread.sleep(forTimeInterval: 0.2)
        daemon.stop()
        let stored = try readAll(try h5Files())
        let on = "on \(receiverThreads) receiver thread(s)"
        XCTAssertEqual(stored.count, 5500, on)
        XCTAssertTrue(stored.filter { $0.0 == 1 }.map(\.1) == sa, "io_group 1 in order, byte for byte, \(on)")
        XCTAssertTrue(stored.filter { $0.0 == 2 }.map(\.1) == sb, "io_group 2, \(on)")
        XCTAssertTrue(stored.filter { $0.0 == 9 }.map(\.1) == st, "the tagged source, \(on)")
        XCTAssertEqual(daemon.stats.dropped(.empty), 1, on)
        XCTAssertEqual(daemon.stats.dropped(.multipart), 1, on)
        XCTAssertFalse(try h5Files().contains { SuperblockFlags.isMarkedOpenForWriting($0) }, "files closed cleanly, \(on)")
    }

    func testRotationsLoseAndDuplicateNothing() throws {
        let (a, ea) = try publisher()
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 7)], rotateMaxMessages: 700)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        var sent: [[UInt8]] = []
        for _ in 0..<5 {
            sent += try Self.send(a, count: 1000, tag: 7)
            Thread.sleep(forTimeInterval: 0.1)
            daemon.requestRotation()
        }
        PipelineHarness.wait(timeout: 10) { daemon.stats.messagesWritten.load(ordering: .relaxed) >= 5000 }
        daemon.stop()
        let files = try h5Files()
        XCTAssertGreaterThanOrEqual(files.count, 8, "5000 messages at 700 per file plus 5 requested rotations")
        for f in files { XCTAssertLessThanOrEqual(try RawFile.count(f), 700, f) }
        XCTAssertEqual(try readAll(files).map(\.1), sent)
    }

    func testFullBufferBlocksInsteadOfDropping() throws {
        let (a, ea) = try publisher()
        // A budget of 64 KiB for 2 MB of messages: receivers must wait for the writer, and lose nothing.
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 3)], batchMessages: 16, bufferBytes: 64 << 10)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        var sent: [[UInt8]] = []
        for i in 0..<500 {
            let m = [UInt8](repeating: UInt8(i & 255), count: 4096)
            try a.send(m)
            sent.append(m)
        }
        PipelineHarness.wait(timeout: 15) { daemon.stats.messagesWritten.load(ordering: .relaxed) >= 500 }
        daemon.stop()
        XCTAssertEqual(try readAll(try h5Files()).map(\.1), sent)
        XCTAssertEqual(daemon.bufferedBytes, 0)
    }

    /// Messages each larger than the whole buffer are admitted one at a time: the receiver must
    /// hand on what it holds before it waits for the buffer, or it would wait for itself.
    func testMessagesLargerThanTheBufferPassOneByOne() throws {
        let (a, ea) = try publisher()
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 5)], batchMessages: 16, bufferBytes: 64 << 10)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        var sent: [[UInt8]] = []
        for i in 0..<20 {
            let m = (0..<(100 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            try a.send(m)
            sent.append(m)
        }
        PipelineHarness.wait(timeout: 15) { daemon.stats.messagesWritten.load(ordering: .relaxed) >= 20 }
        XCTAssertEqual(daemon.stats.messagesWritten.load(ordering: .relaxed), 20, "stalled with the buffer held by the receiver")
        daemon.stop()
        XCTAssertEqual(try readAll(try h5Files()).map(\.1), sent)
        XCTAssertEqual(daemon.bufferedBytes, 0)
    }

    /// Messages around the size from which frames are kept instead of copied (PayloadStore),
    /// on a plain and a tagged (multipart) source: every one in the file, in order, byte for
    /// byte; the buffer back to exactly 0 once all is flushed.
    func testMixedSizesAroundTheHoldThresholdArriveExactly() throws {
        let (a, ea) = try publisher(), (t, et) = try publisher()
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 4), Self.source(et, ioGroup: nil)], bufferBytes: 256 << 20)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        let h = PayloadStore.holdFrom
        let sizes = [1, h - 1, h, 4 << 20, 24, 8192, 8193, h + 1, 100 << 10]
        var sentA: [[UInt8]] = [], sentT: [[UInt8]] = []
        for i in 0..<(3 * sizes.count) {
            let m = (0..<sizes[i % sizes.count]).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            try a.send(m)
            sentA.append(m)
            try t.send([9], more: true)
            try t.send(m)
            sentT.append(m)
        }
        PipelineHarness.wait(timeout: 30) { daemon.stats.messagesWritten.load(ordering: .relaxed) >= sentA.count + sentT.count }
        daemon.stop()
        let stored = try readAll(try h5Files())
        XCTAssertEqual(stored.filter { $0.0 == 4 }.map(\.1) == sentA, true, "io_group 4 in order, byte for byte")
        XCTAssertEqual(stored.filter { $0.0 == 9 }.map(\.1) == sentT, true, "tagged source in order, byte for byte")
        XCTAssertEqual(stored.count, sentA.count + sentT.count)
        XCTAssertEqual(daemon.bufferedBytes, 0)
    }

    /// The output directory disappears while running: the daemon keeps what it received and keeps
    /// retrying; when told to stop it still ends, counting what could not be written.
    /// A start that fails half-way (the sources are set up, the first file cannot be made)
    /// leaves nothing behind: no source in the stats, no connection to the board.
    func testAStartThatFailsHalfWayLeavesNoSourceBehind() throws {
        let dir = TestSupport.temporaryDirectory("half-start")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pub, endpoint) = try PipelineHarness.publisher()
        defer { pub.close() }
        let h = PipelineHarness(directory: dir.appendingPathComponent("missing"))
        let d = h.daemon(sources: [PipelineHarness.source(endpoint, ioGroup: 1, name: "a"),
                                   PipelineHarness.source(endpoint, ioGroup: 2, name: "b")])
        XCTAssertThrowsError(try d.start())
        XCTAssertEqual(d.stats.snapshot().sources.count, 0, "half-started sources are still shown")
    }

    func testStopEndsEvenWhenTheOutputIsGone() throws {
        let (a, ea) = try publisher()
        let out = dir.appendingPathComponent("vanishing")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let daemon = makeDaemon(sources: [Self.source(ea, ioGroup: 2)], rotateMaxMessages: 100, directory: out)
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        try FileManager.default.removeItem(at: out)
        _ = try Self.send(a, count: 300, tag: 2)
        PipelineHarness.wait(timeout: 10) { daemon.stats.messagesReceived.load(ordering: .relaxed) >= 300 }
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertGreaterThan(daemon.stats.writeErrors.load(ordering: .relaxed), 0, "writes failed and were counted")
        let stopped = Date()
        daemon.stop()
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 8, "stop is bounded")
        let written = daemon.stats.messagesWritten.load(ordering: .relaxed)
        XCTAssertEqual(written + daemon.stats.dropped(.writeFailed), 300, "every received message is written or counted as lost")
    }
}
