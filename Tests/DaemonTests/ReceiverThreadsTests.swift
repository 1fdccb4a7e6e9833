import Foundation
import TestSupport
import XCTest

/// receive.threads: the daemon reads all its sources on one thread unless told otherwise, and on
/// several each serves its share, losing nothing.
final class ReceiverThreadsTests: DaemonProcessCase {
    func receiverThreads(_ pid: Int32) -> Int { ((try? niceByThread(pid)) ?? [:])["larpix-rawd rec"]?.count ?? 0 }

    func testOneThreadReadsEverySourceByDefault() throws {
        let sources = try (1...3).map { ("tcp://127.0.0.1:\(try Self.freePort())", UInt8($0)) }
        let config = try writeConfig(sources: sources, logLevel: "info")
        let p = try startDaemon(config: config)
        TestSupport.wait("the ready line", seconds: 20) { daemonLog.contains("ready: ") }
        TestSupport.wait("the receiver thread", seconds: 20) { receiverThreads(p.processIdentifier) > 0 }
        XCTAssertEqual(receiverThreads(p.processIdentifier), 1, "one receiver thread for three sources")
        XCTAssertTrue(daemonLog.contains("ready: 3 source(s) on 1 receiver thread(s)"), daemonLog)
        stop(p)
    }

    func testFourSourcesOnTwoThreadsLoseNothing() throws {
        let emulators = try (1...4).map { try emulator(ioGroup: UInt8($0 * 3), count: 3000) }
        let config = try writeConfig(sources: emulators.map { ($0.publisher.endpoint, $0.ioGroup) }, extra: "receive:\n  threads: 2\n", logLevel: "info")
        let daemon = try startDaemon(config: config)
        let reports = ThreadedRun { Self.runPublishers(emulators) }
        TestSupport.wait("the receiver threads", seconds: 20) { receiverThreads(daemon.processIdentifier) >= 2 }
        XCTAssertEqual(receiverThreads(daemon.processIdentifier), 2, "two receiver threads, as configured")
        let sent = reports.wait()
        XCTAssertEqual(sent.map(\.messages), [3000, 3000, 3000, 3000])
        waitUntilVisible(12000)
        stop(daemon)
        XCTAssertTrue(daemonLog.contains("ready: 4 source(s) on 2 receiver thread(s)"), daemonLog)
        let all = try stored()
        XCTAssertEqual(all.count, 12000)
        for e in emulators {
            assertSame(all.filter { $0.0 == e.ioGroup }.map(\.1), expected(e), "io_group \(e.ioGroup): every message once, in order")
        }
    }
}
