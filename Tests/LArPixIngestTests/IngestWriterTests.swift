import Foundation
import Logging
import Synchronization
import TestSupport
import XCTest
@testable import LArPixIngest
import LArPixRaw

/// The writer thread against stand-in files (no HDF5, no sockets): rotation, flushing, a failed
/// file, a full disk and a bounded stop, each in milliseconds.
final class IngestWriterTests: XCTestCase {
    /// Files that record what was done to them, and fail when told to.
    final class FakeFiles: RawFileSinkFactory, Sendable {
        struct File: Equatable {
            var path: String
            var run: RunTag? = nil
            var messages: [[UInt8]] = []
            var flushes = 0
            var touches = 0
            var closed = false
            /// Whether the writer fsynced it at close (nil: not closed cleanly).
            var syncedAtClose: Bool?
            /// Messages durable at the last flush or close.
            var durable = 0
        }
        struct State {
            var files: [File] = []
            /// Appends still to succeed before every later one fails (nil: never fail).
            var appendsBeforeFailure: Int?
        }
        let state = Mutex(State())

        func open(_ path: String, run: RunTag?) throws(RawFileError) -> any RawFileSink {
            let index = state.withLock { s in s.files.append(File(path: path, run: run)); return s.files.count - 1 }
            return Sink(files: self, index: index, path: path)
        }

        var files: [File] { state.withLock { $0.files } }

        final class Sink: RawFileSink {
            let files: FakeFiles
            let index: Int
            let path: String
            var messageCount = 0
            var bytesAppended = 0
            /// After a failed append, like HDF5's cache, the file cannot flush or close cleanly.
            var broken = false
            init(files: FakeFiles, index: Int, path: String) { (self.files, self.index, self.path) = (files, index, path) }
            var created: Double { 0 }
            var modified: Double { 0 }
            var fileSize: Int { bytesAppended }
            var readerWaitSummary: String? { nil }

            struct Failure: Error {}

            func append(_ batch: Batch) throws {
                let fail = files.state.withLock { s -> Bool in
                    guard let n = s.appendsBeforeFailure else { return false }
                    if n == 0 { return true }
                    s.appendsBeforeFailure = n - 1
                    return false
                }
                if fail { broken = true; throw Failure() }
                let copies = batch.payloads.map { Array($0) }
                files.state.withLock { $0.files[index].messages += copies }
                messageCount += batch.count
                bytesAppended += batch.bytes
            }

            func flush() throws {
                if broken { throw Failure() }
                let n = messageCount
                files.state.withLock { s in s.files[index].flushes += 1; s.files[index].durable = n }
            }

            func touch() { files.state.withLock { $0.files[index].touches += 1 } }

            func close(fsync: Bool) throws {
                if broken { files.state.withLock { $0.files[index].closed = true }; throw Failure() }
                let n = messageCount
                files.state.withLock { s in s.files[index].closed = true; s.files[index].durable = n; s.files[index].syncedAtClose = fsync }
            }
        }
    }

    struct Rig {
        let stats: IngestStats
        let batcher: Batcher
        let budget: MessageBudget
        let writer: IngestWriter
        let files: FakeFiles
        let log = LogCapture()
        var slabs = SlabAllocator()
        let stopBudget: Double

        init(rotation: RotationPolicy = RotationPolicy(), flushInterval: Double = 0.05, bufferBytes: Int = 64 << 20,
             stopBudget: Double = 10, touchInterval: Double = 5, run: RunConfig = RunConfig(), idleFlush: Double = 0,
             batchMaxAge: Double = 0.005,
             free: @escaping @Sendable (String) -> Int? = { _ in nil },
             directories: [String] = [], minFreeBytes: Int = 0, events: (any WriterEvents)? = nil) {
            stats = IngestStats(bufferMaxBytes: bufferBytes)
            self.stopBudget = stopBudget
            batcher = Batcher(limits: .init(maxMessages: 1000, maxBytes: 8 << 20, maxAge: .seconds(batchMaxAge)))
            budget = MessageBudget(stats: stats)
            files = FakeFiles()
            var settings = WriterSettings(directory: "/fake", append: false, ioVersion: "0.0", flushInterval: flushInterval,
                                          rotateMaxBytes: rotation.maxBytes, rotateMaxMessages: rotation.maxMessages,
                                          rotateMaxSeconds: rotation.maxSeconds, fileOptions: .init(), minFreeBytes: minFreeBytes)
            settings.directories = directories
            settings.stopTimeout = stopBudget
            settings.touchInterval = touchInterval
            settings.idleFlush = idleFlush
            settings.run = run
            let seq = Mutex(0)
            let capture = log
            var logger = Logger(label: "writer-test") { _ in CapturingLogHandler(capture: capture) }
            logger.logLevel = .info
            writer = IngestWriter(settings: settings,
                                  parts: .init(batcher: batcher, budget: budget, stats: stats, logger: logger, notifier: SystemdNotifier(),
                                             events: events, files: files,
                                             nextPath: { dir, _ in seq.withLock { $0 += 1; return "\(dir)/f\($0).h5" } }),
                                  freeSpace: free)
        }

        /// Hands `messages` to the batcher as a receiver does (budget first).
        mutating func receive(_ messages: [[UInt8]], ioGroup: UInt8 = 1) {
            var burst = ReceivedBurst()
            for m in messages {
                budget.take(payloadBytes: m.count)
                let (copy, slab) = m.withUnsafeBytes { slabs.store($0) }
                burst.append(copy, ioGroup: ioGroup, in: slab)
            }
            stats.received(burst, at: 1)
            batcher.add(burst)
        }

        func finish() {
            budget.close()
            batcher.finish(deadline: .now + .seconds(stopBudget))
            writer.join()
        }
    }

    static func messages(_ range: Range<Int>, size: Int = 24) -> [[UInt8]] {
        range.map { i in (0..<size).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) } }
    }

    /// Waits for `condition`, failing the test when it does not come within `seconds`.
    func wait(_ what: String, seconds: Double = 20, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    func testMessageLimitSplitsBatchesExactlyAndNothingIsLostOrRepeated() throws {
        var rig = Rig(rotation: RotationPolicy(maxMessages: 300))
        try rig.writer.start()
        let sent = Self.messages(0..<1000)
        for chunk in stride(from: 0, to: 1000, by: 70) { rig.receive(Array(sent[chunk..<min(chunk + 70, 1000)])) }
        rig.finish()
        let files = rig.files.files
        XCTAssertEqual(files.map(\.messages.count), [300, 300, 300, 100])
        XCTAssertEqual(files.flatMap(\.messages), sent)
        XCTAssertTrue(files.allSatisfy(\.closed))
        XCTAssertEqual(rig.stats.rotations.load(ordering: .relaxed), 3)
        XCTAssertEqual(rig.stats.messagesWritten.load(ordering: .relaxed), 1000)
        XCTAssertEqual(rig.budget.bytesInUse, 0, "every message's share is given back")
    }

    func testRequestedRotationSplitsWhereAskedAndLosesNothing() throws {
        var rig = Rig()
        try rig.writer.start()
        rig.receive(Self.messages(0..<10))
        wait("the first messages in the first file") { rig.stats.messagesWritten.load(ordering: .relaxed) == 10 }
        rig.writer.requestRotation()
        wait("the rotation") { rig.files.files.count == 2 }
        rig.receive(Self.messages(10..<25))
        rig.finish()
        XCTAssertEqual(rig.files.files.map(\.messages.count), [10, 15])
        XCTAssertEqual(rig.files.files.flatMap(\.messages), Self.messages(0..<25))
    }

    func testSmallMessagesFillingTheBufferFlushBySizeLongBeforeTheTimedFlush() throws {
        // 2 MiB buffer, a flush interval of 1000 s: only the size trigger can free the buffer.
        let rig = Rig(flushInterval: 1000, bufferBytes: 2 << 20)
        try rig.writer.start()
        let sent = Self.messages(0..<30_000)
        let done = DispatchSemaphore(value: 0)
        // A receiver blocks in budget.take until the writer gives bytes back (so on its own thread).
        let producer = Thread { [rig] in
            var r = rig
            for chunk in stride(from: 0, to: sent.count, by: 200) { r.receive(Array(sent[chunk..<chunk + 200])) }
            done.signal()
        }
        producer.start()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success, "the receiver stalled: the size-triggered flush did not fire")
        rig.finish()
        XCTAssertEqual(rig.files.files.flatMap(\.messages), sent)
        XCTAssertGreaterThan(rig.files.files[0].flushes, 3)
    }

    func testAFailedFileIsAbandonedAndItsUnflushedBatchesGoFirstToTheNextFile() throws {
        var rig = Rig(flushInterval: 1000)
        try rig.writer.start()
        rig.receive(Self.messages(0..<5))
        wait("5 written") { rig.stats.messagesWritten.load(ordering: .relaxed) == 5 }
        rig.files.state.withLock { $0.appendsBeforeFailure = 0 }
        rig.receive(Self.messages(5..<8))
        wait("a write error") { rig.stats.writeErrors.load(ordering: .relaxed) >= 1 }
        rig.files.state.withLock { $0.appendsBeforeFailure = nil }
        rig.finish()
        let files = rig.files.files
        XCTAssertEqual(files.count, 2)
        XCTAssertEqual(files[0].durable, 0, "nothing of the failed file was flushed")
        XCTAssertEqual(files[1].messages, Self.messages(0..<8), "the unflushed 5 again, first, then the 3")
        XCTAssertEqual(rig.stats.messagesWritten.load(ordering: .relaxed), 8, "rewritten messages are counted once")
        XCTAssertEqual(rig.budget.bytesInUse, 0)
    }

    func testAFullDiskHoldsTheBatchAndResumesInTheSameFile() throws {
        let free = Mutex<Int?>(nil)
        var rig = Rig(flushInterval: 1000, free: { _ in free.withLock { $0 } })
        try rig.writer.start()
        rig.receive(Self.messages(0..<5))
        wait("5 written") { rig.stats.messagesWritten.load(ordering: .relaxed) == 5 }
        free.withLock { $0 = 0 }
        rig.receive(Self.messages(5..<9))
        wait("the writer to see the full disk") { rig.stats.writeErrors.load(ordering: .relaxed) >= 1 }
        XCTAssertEqual(rig.files.files[0].durable, 5, "what was admitted before is flushed while waiting")
        XCTAssertEqual(rig.stats.messagesWritten.load(ordering: .relaxed), 5)
        free.withLock { $0 = nil }
        wait("the held batch written") { rig.stats.messagesWritten.load(ordering: .relaxed) == 9 }
        rig.finish()
        XCTAssertEqual(rig.files.files.count, 1)
        XCTAssertEqual(rig.files.files[0].messages, Self.messages(0..<9))
    }

    func testStoppingOnAFullDiskEndsWithinOneBudgetAndCountsWhatIsLeft() throws {
        var rig = Rig(flushInterval: 1000, stopBudget: 0.3, free: { _ in 0 })
        try rig.writer.start()
        // Many batches, each held by the full disk: the stop's budget is one for all of them.
        for i in 0..<20 {
            rig.receive(Self.messages(i * 10..<(i + 1) * 10))
            rig.batcher.sealIfDue(force: true)
        }
        rig.finish()
        XCTAssertEqual(rig.stats.messagesWritten.load(ordering: .relaxed), 0)
        XCTAssertEqual(rig.stats.dropped(.writeFailed), 200)
        XCTAssertEqual(rig.budget.bytesInUse, 0)
        // One give-up for the whole stop (a deadline per batch gave up 20 times, 0.3 s each).
        let gaveUp = rig.log.all.filter { $0.contains("could not be written") }
        XCTAssertEqual(gaveUp.count, 1, "\(gaveUp)")
        XCTAssertTrue(gaveUp.first?.contains("200 received messages (4800 bytes)") == true, "\(gaveUp)")
    }

    /// The writer stops at the deadline it is handed (the daemon counts it from SIGTERM and
    /// gives the same one to the closed-file work), not after a budget of its own counted from
    /// when it began to drain: here stop_timeout is an hour and the deadline already past.
    func testTheWriterStopsAtTheDeadlineItIsGiven() throws {
        var rig = Rig(flushInterval: 1000, stopBudget: 3600, free: { _ in 0 })
        try rig.writer.start()
        rig.receive(Self.messages(0..<10))
        rig.batcher.sealIfDue(force: true)
        rig.budget.close()
        rig.batcher.finish(deadline: .now)
        let joined = DispatchSemaphore(value: 0)
        let writer = rig.writer
        Thread { writer.join(); joined.signal() }.start()
        XCTAssertEqual(joined.wait(timeout: .now() + 120), .success, "the writer went on retrying past its deadline")
        XCTAssertEqual(rig.stats.dropped(.writeFailed), 10)
        XCTAssertEqual(rig.stats.messagesWritten.load(ordering: .relaxed), 0)
    }

    /// A timed flush takes what waits in the open batch: batches never age out here (1000 s),
    /// so only the flush every 50 ms can seal these messages and make them visible.
    func testATimedFlushTakesTheOpenBatch() throws {
        var rig = Rig(flushInterval: 0.05, batchMaxAge: 1000)
        try rig.writer.start()
        rig.receive(Self.messages(0..<30))
        wait("the open batch flushed", seconds: 10) { rig.files.files.first?.durable == 30 }
        rig.receive(Self.messages(30..<31))
        wait("the next one flushed", seconds: 10) { rig.files.files.first?.durable == 31 }
        rig.finish()
        XCTAssertEqual(rig.files.files.first?.messages, Self.messages(0..<31))
    }

    /// A burst's tail becomes durable and visible once the input is idle, long before the timed
    /// flush (1000 s here), and an idle file is not flushed again and again.
    func testTheTailOfABurstIsFlushedOnceTheInputIsIdle() throws {
        var rig = Rig(flushInterval: 1000, idleFlush: 0.05)
        try rig.writer.start()
        rig.receive(Self.messages(0..<30))
        wait("the burst flushed") { rig.files.files.first?.durable == 30 }
        rig.receive(Self.messages(30..<45))
        wait("the second burst flushed") { rig.files.files.first?.durable == 45 }
        // Idle and clean: nothing more to flush. (A fixed wait, to show that nothing happens.)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(rig.files.files.first?.flushes, 2)
        rig.finish()
        XCTAssertEqual(rig.files.files.first?.messages, Self.messages(0..<45))
    }

    func testAnIdleOpenFileIsTouchedAndABusyOneIsNot() throws {
        let rig = Rig(flushInterval: 1000, touchInterval: 0.05)
        try rig.writer.start()
        wait("two touches of the idle file") { rig.files.files.first.map { $0.touches >= 2 } ?? false }
        rig.finish()
        let busy = Rig(flushInterval: 0.01, touchInterval: 1000)
        try busy.writer.start()
        var r = busy
        r.receive(Self.messages(0..<10))
        wait("a flush") { busy.files.files.first.map { $0.flushes >= 1 } ?? false }
        busy.finish()
        XCTAssertEqual(busy.files.files.first?.touches, 0, "a file that is written is not touched")
    }

    func testTouchMovesARealFilesMtimeWithoutWriting() throws {
        let dir = TestSupport.temporaryDirectory("touch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.h5").path
        let sink: any RawFileSink = try RawFileWriters(append: false, ioVersion: "0.0", options: .init()).open(path, run: nil)
        var old = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &old, 0), 0)
        let size = sink.fileSize
        sink.touch()
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertGreaterThan(st.st_mtim.tv_sec, 1_000_000_000)
        XCTAssertEqual(sink.fileSize, size)
        try sink.close(fsync: false)
    }

    // MARK: Output places

    /// Free bytes per directory, changed by the test (nil: unknown, taken as room).
    final class Disks: Sendable {
        let free = Mutex<[String: Int]>([:])
        func set(_ d: String, _ n: Int?) { free.withLock { $0[d] = n } }
        var function: @Sendable (String) -> Int? { { [self] d in free.withLock { $0[d] } } }
    }

    func testTheWriterMovesToTheNextPlaceWhenTheFirstRunsLowAndComesBackWhenSpaceReturns() throws {
        let disks = Disks()
        disks.set("/a", 100 << 20)
        disks.set("/b", 100 << 20)
        var rig = Rig(flushInterval: 0.02, free: disks.function, directories: ["/a", "/b"], minFreeBytes: 10 << 20)
        try rig.writer.start()
        rig.receive(Self.messages(0..<10))
        wait("10 written") { rig.stats.messagesWritten.load(ordering: .relaxed) == 10 }
        disks.set("/a", 5 << 20)
        wait("the move to /b") { rig.files.files.count == 2 }
        rig.receive(Self.messages(10..<20))
        wait("20 written") { rig.stats.messagesWritten.load(ordering: .relaxed) == 20 }
        disks.set("/a", 100 << 20)
        wait("the move back to /a") { rig.files.files.count == 3 }
        rig.receive(Self.messages(20..<30))
        rig.finish()
        let files = rig.files.files
        XCTAssertEqual(files.map(\.path), ["/a/f1.h5", "/b/f2.h5", "/a/f3.h5"])
        XCTAssertEqual(files.map(\.messages.count), [10, 10, 10])
        XCTAssertEqual(files.flatMap(\.messages), Self.messages(0..<30), "every message once, in order, across both places")
        XCTAssertTrue(files.allSatisfy(\.closed))
        let s = rig.stats.snapshot()
        XCTAssertEqual(s.placeMoves, ["low_space": 1, "space_back": 1])
        XCTAssertEqual(s.place, ActivePlace(index: 0, path: "/a", reason: "space_back"))
        XCTAssertEqual(s.writeErrors, 0)
        XCTAssertEqual(rig.log.all.filter { $0.contains("output: moving from") }.count, 2, "each move logged once")
        XCTAssertEqual(rig.budget.bytesInUse, 0)
    }

    func testAWriteThatDoesNotFitGoesToTheNextPlaceWithoutHolding() throws {
        let disks = Disks()
        disks.set("/a", 0)
        var rig = Rig(flushInterval: 1000, free: disks.function, directories: ["/a", "/b"])
        try rig.writer.start()
        rig.receive(Self.messages(0..<5))
        rig.finish()
        let files = rig.files.files
        XCTAssertEqual(files.map(\.path), ["/a/f1.h5", "/b/f2.h5"])
        XCTAssertEqual(files.map(\.messages.count), [0, 5])
        XCTAssertTrue(files.allSatisfy(\.closed), "the file in /a is closed, complete")
        XCTAssertEqual(rig.stats.writeErrors.load(ordering: .relaxed), 0, "no hold: another place had room")
        XCTAssertEqual(rig.stats.snapshot().placeMoves, ["no_space": 1])
    }

    /// With a watcher that syncs closed files (the daemon's closed-file worker), the writer only
    /// closes them; without one, it fsyncs them itself.
    func testTheWriterLeavesTheFsyncToAWatcherThatDoesIt() throws {
        final class Watcher: WriterEvents, @unchecked Sendable {
            let closed = Mutex<[Bool]>([])
            var syncsClosedFiles: Bool { true }
            func fileOpened(path: String, created: Double, messagesBefore: Int, run: RunTag?) {}
            func written(_ batch: Batch) {}
            func flushed(nanoseconds: UInt64) {}
            func fileClosed(path: String, messages: Int, modified: Double, reason: CloseReason, error: String?, synced: Bool) {
                closed.withLock { $0.append(synced) }
            }
        }
        let watcher = Watcher()
        var rig = Rig(rotation: RotationPolicy(maxMessages: 5), events: watcher)
        try rig.writer.start()
        rig.receive(Self.messages(0..<12))
        rig.finish()
        XCTAssertEqual(rig.files.files.map(\.syncedAtClose), [false, false, false])
        XCTAssertEqual(watcher.closed.withLock { $0 }, [false, false, false])
        var plain = Rig(rotation: RotationPolicy(maxMessages: 5))
        try plain.writer.start()
        plain.receive(Self.messages(0..<6))
        plain.finish()
        XCTAssertEqual(plain.files.files.map(\.syncedAtClose), [true, true])
    }
}
