@testable import LArPixIngest
import PACMAN
import XCTest

/// The data-quality counting type against hand-built PACMAN messages: words by type, header
/// time jumps, receipt-timestamp resets (not at a sync, at a sync, a counter wrap), and the
/// heartbeat watch's decisions; then the totals as the stats table keeps them.
final class QualityCounterTests: XCTestCase {
    static let t0: UInt32 = 1_700_000_000
    static let second: UInt64 = 1_000_000_000

    func data(_ ts: UInt32) -> PacmanWord { .data(ioChannel: 1, receiptTimestamp: ts, packet: 0x1234) }
    func sync(_ type: UInt8, _ ts: UInt32 = 10_000_000) -> PacmanWord { .sync(syncType: type, clockSource: 0, timestamp: ts) }

    func count(_ c: inout QualityCounter, _ words: [PacmanWord], time: UInt32 = t0, at now: UInt64 = 0, ioGroup: UInt8 = 3) -> MessageQuality {
        PacmanMessageBuilder.dataMessage(time: time, words: words).withUnsafeBytes { c.count($0, ioGroup: ioGroup, at: now) }
    }

    func testWordsAreCountedByTypeAndSyncType() {
        var c = QualityCounter(timeJumpSeconds: 5)
        let q = count(&c, [data(1), data(2), .trigger(triggerType: 1, timestamp: 3), data(4), sync(PacmanSyncType.heartbeat),
                           sync(PacmanSyncType.sync), sync(PacmanSyncType.clockSwitch), sync(0x58), .trigger(triggerType: 2, timestamp: 5)])
        var want = MessageQuality()
        (want.dataWords, want.triggerWords, want.heartbeats, want.syncs, want.clockSwitches, want.otherSyncs) = (3, 2, 1, 1, 1, 1)
        XCTAssertEqual(q, want)
        var totals = QualityCounts()
        for _ in 0..<4 { totals.add(q) }
        XCTAssertEqual([totals.dataWords, totals.triggerWords, totals.heartbeats, totals.syncs, totals.clockSwitches, totals.otherSyncs],
                       [12, 8, 4, 4, 4, 4])
    }

    func testTimestampResetIsCountedOnlyWhenNotAtAnSSync() {
        var c = QualityCounter(timeJumpSeconds: 5)
        XCTAssertEqual(count(&c, [data(100), data(200)]).timestampResets, 0)
        XCTAssertEqual(count(&c, [data(50), data(60)]).timestampResets, 1, "back from 200 to 50 with no sync")
        XCTAssertEqual(count(&c, [data(70), sync(PacmanSyncType.sync), data(5), data(6)]).timestampResets, 0, "at a sync in the message")
        XCTAssertEqual(count(&c, [sync(PacmanSyncType.sync)]).timestampResets, 0)
        XCTAssertEqual(count(&c, [data(1)]).timestampResets, 0, "after a sync alone in the message before")
        XCTAssertEqual(count(&c, [sync(PacmanSyncType.heartbeat), data(0)]).timestampResets, 1, "a heartbeat is no sync")
        XCTAssertEqual(count(&c, [data(0xFFFF_FF00), data(0x10)]).timestampResets, 0, "the 32-bit counter wrapped")
        XCTAssertEqual(count(&c, [data(5)], ioGroup: 4).timestampResets, 0, "io_groups are judged apart")
    }

    func testHeaderTimeJumpsBeyondTheGapCountedBothWays() {
        var c = QualityCounter(timeJumpSeconds: 5)
        let t = Self.t0, s = Self.second
        XCTAssertEqual(count(&c, [data(1)], time: t, at: 1 * s).timeJumpsBackward, 0)
        XCTAssertEqual(count(&c, [data(2)], time: t - 5, at: 1 * s).timeJumpsBackward, 0, "back by the gap: not more")
        XCTAssertEqual(count(&c, [data(3)], time: t - 11, at: 1 * s).timeJumpsBackward, 1)
        let ahead = count(&c, [data(4)], time: t + 100, at: 2 * s)
        XCTAssertEqual([ahead.timeJumpsForward, ahead.timeJumpsBackward], [1, 0])
        // An idle board: 60 s here, 60 s in its headers.
        XCTAssertEqual(count(&c, [data(5)], time: t + 160, at: 62 * s).timeJumpsForward, 0)
        XCTAssertEqual(count(&c, [data(6)], time: t + 160, at: 63 * s).timeJumpsBackward, 0, "same second")
    }

    func testMessagesThatAreNotPACMANDataAreCountedAsUnparsed() {
        var c = QualityCounter(timeJumpSeconds: 5)
        for bad in [[UInt8](repeating: 7, count: 20), PacmanMessageBuilder.message(type: .reply, time: 1, words: [.ping]),
                    Array(PacmanMessageBuilder.dataMessage(time: 1, words: [data(1)]).dropLast())] {
            let q = bad.withUnsafeBytes { c.count($0, ioGroup: 1, at: 0) }
            XCTAssertEqual(q.unparsed, 1)
            XCTAssertEqual(q.dataWords, 0)
        }
    }

    func testTheStatsTableSumsBurstsAndRemembersHeartbeatsAndSyncs() {
        var c = QualityCounter(timeJumpSeconds: 5)
        let stats = IngestStats()
        var burst = ReceivedBurst()
        let slab = MessageSlab(capacity: 1 << 16)
        var kept: [[UInt8]] = []
        for words in [[data(1), sync(PacmanSyncType.heartbeat)], [data(2), data(3)], [sync(PacmanSyncType.sync)]] {
            kept.append(PacmanMessageBuilder.dataMessage(time: Self.t0, words: words))
            let copy = kept.last!.withUnsafeBytes { slab.store($0)! }
            burst.append(copy, ioGroup: 9, quality: c.count(copy, ioGroup: 9, at: 7), in: slab)
        }
        stats.received(burst, at: 42)
        let t = stats.snapshot().ioGroups
        XCTAssertEqual([t.quality[9].dataWords, t.quality[9].heartbeats, t.quality[9].syncs], [3, 1, 1])
        XCTAssertEqual([t.lastHeartbeat[9], t.lastSync[9], t.lastHeartbeat[8]], [42, 42, 0])
    }

    func testHeartbeatWatchSaysStoppedOnceRepeatsRarelyAndSaysResumed() {
        var w = HeartbeatWatch(timeout: 5, repeatInterval: 60)
        let s = Self.second
        var last = [UInt64](repeating: 0, count: 256)
        last[2] = 1 * s
        XCTAssertEqual(w.observe(lastHeartbeat: last, now: 6 * s), [], "silent 5 s: not more than the timeout")
        XCTAssertEqual(w.observe(lastHeartbeat: last, now: 7 * s), [.stopped(ioGroup: 2, silentSeconds: 6)])
        XCTAssertEqual(w.observe(lastHeartbeat: last, now: 8 * s), [], "said once")
        XCTAssertEqual(w.stoppedIOGroups, [2])
        XCTAssertEqual(w.observe(lastHeartbeat: last, now: 67 * s), [.stillStopped(ioGroup: 2, silentSeconds: 66)])
        last[2] = 70 * s
        XCTAssertEqual(w.observe(lastHeartbeat: last, now: 70 * s), [.resumed(ioGroup: 2, silentSeconds: 69)])
        XCTAssertEqual(w.stoppedIOGroups, [])
        XCTAssertEqual(w.observe(lastHeartbeat: [UInt64](repeating: 0, count: 256), now: 1000 * s), [], "never sent one: never judged")
    }

    func testQualityConfigKeys() throws {
        let base = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"
        let c = try DaemonConfig.parse(yaml: base + "quality: {enabled: false, time_jump_seconds: 30, heartbeat_timeout: 2m}\n")
        XCTAssertEqual(c.quality, DaemonConfig.Quality(enabled: false, timeJumpSeconds: 30, heartbeatTimeout: 120))
        XCTAssertEqual(try DaemonConfig.parse(yaml: base).quality, DaemonConfig.Quality())
        XCTAssertThrowsError(try DaemonConfig.parse(yaml: base + "quality: {time_jump_seconds: 0}\n")) { e in
            XCTAssertTrue("\(e)".contains("quality.time_jump_seconds"), "\(e)")
        }
        XCTAssertThrowsError(try DaemonConfig.parse(yaml: base + "quality: {heartbeat: 3}\n")) { e in
            XCTAssertTrue("\(e)".contains("quality"), "\(e)")
        }
        XCTAssertTrue(c.effectiveYAML().contains("quality:\n  enabled: false\n  time_jump_seconds: 30\n  heartbeat_timeout: 120\n"), c.effectiveYAML())
    }
}
