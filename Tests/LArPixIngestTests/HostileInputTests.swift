import PACMAN
import Foundation
import LArPixRaw
import TestSupport
import XCTest
import ZMQ
@testable import LArPixIngest

/// 10,000 fuzzed messages through real PUB sockets on loopback into the daemon's pipeline: an
/// untagged source (io_group 1) and a tagged one. The daemon must not crash, must store every
/// message its policy accepts byte for byte and in order, and must count what it refuses by
/// reason, exactly as many per reason as were sent. The seed is printed; set
/// LARPIX_FUZZ_SEED to repeat a run.
final class HostileInputTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("hostile") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let messages = 10_000
    /// Small, so oversized frames are cheap to send; the default (16 MiB) is checked separately.
    static let maxMessageBytes = 8192

    func testRawPolicyStoresEveryNonEmptyMessageAndCountsTheRest() throws {
        try fuzz(validation: .raw)
    }

    func testStrictPolicyStoresOnlyWellFormedPacmanMessages() throws {
        try fuzz(validation: .strict)
    }

    /// One fuzzed message: the frames sent, to which source, and what the policy must do.
    struct Case {
        var tagged: Bool
        var frames: [[UInt8]]
        /// The io_group and payload stored, or the reason refused, under raw and under strict.
        var raw: Outcome
        var strict: Outcome
    }

    enum Outcome: Equatable {
        case stored(UInt8, [UInt8])
        case refused(DropReason)
    }

    func fuzz(validation: IntakeValidation) throws {
        let seed = ProcessInfo.processInfo.environment["LARPIX_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("HostileInputTests \(validation.rawValue): seed \(seed) (LARPIX_FUZZ_SEED=\(seed) repeats this run)")
        var gen = FuzzGenerator(seed: seed, maxMessageBytes: Self.maxMessageBytes)
        let cases = (0..<Self.messages).map { _ in gen.next() }

        let harness = PipelineHarness(directory: dir)
        let (plainPub, plainEndpoint) = try PipelineHarness.publisher()
        let (taggedPub, taggedEndpoint) = try PipelineHarness.publisher()
        let daemon = harness.daemon(sources: [
            PipelineHarness.source(plainEndpoint, ioGroup: 1, name: "plain", maxMessageBytes: Self.maxMessageBytes, validation: validation),
            PipelineHarness.source(taggedEndpoint, ioGroup: nil, name: "tagged", maxMessageBytes: Self.maxMessageBytes, validation: validation),
        ])
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)  // both subscriptions reach their PUB (slow joiner)
        // No high-water mark on either side: PUB/SUB drops nothing, so the counts are exact.
        for c in cases {
            let pub = c.tagged ? taggedPub : plainPub
            for (i, f) in c.frames.enumerated() { try pub.send(f, more: i < c.frames.count - 1) }
        }
        let stats = daemon.stats
        let arrived = PipelineHarness.wait(timeout: 60) {
            stats.messagesReceived.load(ordering: .relaxed) + stats.droppedTotal >= Self.messages
        }
        daemon.stop()
        XCTAssertTrue(arrived, "seed \(seed): \(stats.messagesReceived.load(ordering: .relaxed)) stored + \(stats.droppedTotal) refused of \(Self.messages)")

        let outcomes = cases.map { validation == .strict ? $0.strict : $0.raw }
        var expectedDrops: [DropReason: Int] = [:]
        var expectedPlain: [[UInt8]] = [], expectedTagged: [(UInt8, [UInt8])] = []
        for (c, o) in zip(cases, outcomes) {
            switch o {
            case .refused(let r): expectedDrops[r, default: 0] += 1
            case .stored(let g, let bytes):
                if c.tagged { expectedTagged.append((g, bytes)) } else { expectedPlain.append(bytes) }
            }
        }
        for r in DropReason.allCases {
            XCTAssertEqual(stats.dropped(r), expectedDrops[r] ?? 0, "seed \(seed): refused as \(r.rawValue)")
        }
        let stored = try harness.stored()
        let plain = stored.filter { $0.0 == 1 }.map(\.1)
        let tagged = stored.filter { $0.0 != 1 }
        XCTAssertEqual(plain.count, expectedPlain.count, "seed \(seed): stored from the untagged source")
        XCTAssertEqual(tagged.count, expectedTagged.count, "seed \(seed): stored from the tagged source")
        if let i = zip(plain, expectedPlain).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("seed \(seed): untagged message \(i) differs: \(plain[i].count) bytes stored, \(expectedPlain[i].count) sent")
        }
        if let i = zip(tagged, expectedTagged).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("seed \(seed): tagged message \(i) differs: io_group \(tagged[i].0) vs \(expectedTagged[i].0)")
        }
        // Every category was exercised, and the policy refused something and stored something.
        XCTAssertEqual(Set(gen.used), Set(FuzzGenerator.Kind.allCases), "seed \(seed)")
        XCTAssertGreaterThan(expectedPlain.count, 1000)
        print("HostileInputTests \(validation.rawValue): stored \(plain.count + tagged.count), refused "
              + DropReason.allCases.compactMap { r in expectedDrops[r].map { "\(r.rawValue) \($0)" } }.joined(separator: ", "))
    }

    /// A frame far beyond max_message_bytes is never buffered: libzmq drops the connection, the
    /// daemon says so, reconnects, and stores what comes next.
    func testAFrameBeyondTheConnectionLimitCostsTheConnectionNotTheDaemon() throws {
        let harness = PipelineHarness(directory: dir)
        let (pub, endpoint) = try PipelineHarness.publisher()
        let settings = PipelineHarness.source(endpoint, ioGroup: 2, name: "guarded", maxMessageBytes: 1024)
        XCTAssertEqual(settings.policy.connectionLimitBytes, 1024 + (64 << 10))
        let daemon = harness.daemon(sources: [settings])
        try daemon.start()
        let connects = { harness.log.all.filter { $0.contains("source guarded: connected to") }.count }
        XCTAssertTrue(PipelineHarness.wait(timeout: 10) { connects() == 1 })
        Thread.sleep(forTimeInterval: 0.3)
        try pub.send([UInt8](repeating: 0x44, count: 1 << 20))
        XCTAssertTrue(PipelineHarness.wait(timeout: 10) { connects() == 2 }, "reconnected: \(harness.log.all)")
        Thread.sleep(forTimeInterval: 0.3)  // the subscription reaches the PUB again
        let sent = (0..<100).map { i in [0x44, UInt8(i), 0, 0, 0, 0, 0, 0] as [UInt8] }
        for m in sent { try pub.send(m) }
        PipelineHarness.wait(timeout: 10) { daemon.stats.messagesReceived.load(ordering: .relaxed) >= 100 }
        daemon.stop()
        XCTAssertTrue(try harness.stored().map(\.1) == sent)
        XCTAssertTrue(harness.log.all.contains { $0.hasPrefix("warning source guarded: disconnected from \(endpoint)") && $0.contains("over 66560 bytes") },
                      "\(harness.log.all)")
    }

    /// The default limit is 16 MiB: a message of exactly 16 MiB is stored, one byte more is refused.
    func testDefaultMaxMessageBytesIs16MiB() throws {
        XCTAssertEqual(DaemonConfig().receive.maxMessageBytes, 16 << 20)
        XCTAssertEqual(try DaemonConfig.parse(yaml: "sources: [{endpoint: \"tcp://h:1\", io_group: 1}]\n").receive.maxMessageBytes, 16 << 20)
        let harness = PipelineHarness(directory: dir)
        let (pub, endpoint) = try PipelineHarness.publisher()
        let daemon = harness.daemon(sources: [PipelineHarness.source(endpoint, ioGroup: 1, name: "big", maxMessageBytes: DaemonConfig().receive.maxMessageBytes)])
        try daemon.start()
        Thread.sleep(forTimeInterval: 0.5)
        let limit = [UInt8](repeating: 0x5a, count: 16 << 20)
        try pub.send(limit + [1])
        try pub.send(limit)
        PipelineHarness.wait(timeout: 30) { daemon.stats.messagesReceived.load(ordering: .relaxed) + daemon.stats.droppedTotal >= 2 }
        daemon.stop()
        XCTAssertEqual(daemon.stats.dropped(.oversized), 1)
        let stored = try harness.stored()
        XCTAssertEqual(stored.count, 1)
        XCTAssertTrue(stored.first?.1 == limit, "the 16 MiB message, byte for byte")
    }
}

/// Seeded generator of hostile messages: the same seed gives the same messages.
struct FuzzGenerator {
    enum Kind: CaseIterable {
        case dataMessage, requestOrReply, empty, oversized, truncated, wrongType, badWord, randomBytes
        case multipart3, multipart10
        case taggedMessage, taggedRandom, taggedEmptyPayload, tagEmpty, tagTooLong, tagMissing, taggedMultipart
    }

    private var rng: SplitMix64
    let maxMessageBytes: Int
    private(set) var used: [Kind] = []

    init(seed: UInt64, maxMessageBytes: Int) {
        rng = SplitMix64(seed: seed)
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func random() -> UInt64 { rng.next() }

    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(random() % UInt64(r.count)) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: random()) }
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in byte() } }

    /// A well-formed message: data words ('D', 'T', 'S') in a data message, or request/reply words.
    mutating func wellFormed(type: PacmanMessageType = .data, words: ClosedRange<Int> = 0...40) -> [UInt8] {
        let n = int(words)
        var m: [UInt8] = [type.rawValue] + bytes(4) + [0] + [UInt8(n & 255), UInt8(n >> 8)]
        let allowed = PacmanWordType.allCases.filter { type.allows($0) }
        for _ in 0..<n { m += [allowed[int(0...allowed.count - 1)].rawValue] + bytes(15) }
        return m
    }

    mutating func tag() -> UInt8 { UInt8(int(2...255)) }

    /// What strict makes of a payload that passed the frame checks.
    static func strict(_ group: UInt8, _ payload: [UInt8]) -> HostileInputTests.Outcome {
        switch payload.withUnsafeBytes({ PacmanMessage.check($0) }) {
        case .success: .stored(group, payload)
        case .failure(.empty): .refused(.empty)
        case .failure(.tooShort): .refused(.tooShort)
        case .failure(.unknownType): .refused(.unknownType)
        case .failure(.lengthMismatch): .refused(.lengthMismatch)
        case .failure(.unknownWordType), .failure(.wordNotAllowed): .refused(.badWord)
        }
    }

    mutating func next() -> HostileInputTests.Case {
        // Well-formed messages are about half, so both policies store plenty.
        let kinds = Kind.allCases
        let kind = random() % 2 == 0 ? (random() % 2 == 0 ? Kind.dataMessage : .taggedMessage) : kinds[int(0...kinds.count - 1)]
        used.append(kind)
        func plain(_ payload: [UInt8]) -> HostileInputTests.Case {
            .init(tagged: false, frames: [payload], raw: .stored(1, payload), strict: Self.strict(1, payload))
        }
        func refused(_ tagged: Bool, _ frames: [[UInt8]], _ reason: DropReason) -> HostileInputTests.Case {
            .init(tagged: tagged, frames: frames, raw: .refused(reason), strict: .refused(reason))
        }
        switch kind {
        case .dataMessage: return plain(wellFormed())
        case .requestOrReply: return plain(wellFormed(type: random() % 2 == 0 ? .request : .reply, words: 0...8))
        case .empty: return refused(false, [[]], .empty)
        case .oversized:
            // A well-formed header does not help: size is checked first.
            return refused(false, [[0x44] + bytes(maxMessageBytes + int(0...4096))], .oversized)
        case .truncated:
            let m = wellFormed(words: 1...40)
            return plain(Array(m.prefix(int(1...m.count - 1))))
        case .wrongType:
            var m = wellFormed()
            repeat { m[0] = byte() } while PacmanMessageType(rawValue: m[0]) != nil
            return plain(m)
        case .badWord:
            var m = wellFormed(words: 1...40)
            let w = int(0...(m.count - 8) / 16 - 1)
            repeat { m[8 + 16 * w] = byte() } while PacmanWordType(rawValue: m[8 + 16 * w]).map { PacmanMessageType.data.allows($0) } == true
            return plain(m)
        case .randomBytes: return plain(bytes(int(1...300)))
        case .multipart3: return refused(false, (0..<3).map { _ in wellFormed() }, .multipart)
        case .multipart10: return refused(false, (0..<10).map { _ in bytes(int(0...50)) }, .multipart)
        case .taggedMessage:
            let g = tag(), m = wellFormed()
            return .init(tagged: true, frames: [[g], m], raw: .stored(g, m), strict: .stored(g, m))
        case .taggedRandom:
            let g = tag(), m = bytes(int(1...200))
            return .init(tagged: true, frames: [[g], m], raw: .stored(g, m), strict: Self.strict(g, m))
        case .taggedEmptyPayload: return refused(true, [[tag()], []], .empty)
        case .tagEmpty: return refused(true, [[], wellFormed()], .badTag)
        case .tagTooLong: return refused(true, [bytes(int(2...8)), wellFormed()], .badTag)
        case .tagMissing: return refused(true, [wellFormed()], .badTag)
        case .taggedMultipart: return refused(true, [[tag()]] + (0..<(random() % 2 == 0 ? 2 : 9)).map { _ in wellFormed() }, .badTag)
        }
    }
}

/// A board that restarts: the source reconnects at a steady interval, and each disconnect and
/// reconnect is logged with the source's name and counted.
final class BoardRestartTests: XCTestCase {
    func testARestartedBoardIsLoggedCountedAndReadAgain() throws {
        let dir = TestSupport.temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(at: dir) }
        let harness = PipelineHarness(directory: dir)
        let (first, endpoint) = try PipelineHarness.publisher()
        let daemon = harness.daemon(sources: [PipelineHarness.source(endpoint, ioGroup: 5, name: "board5")])
        try daemon.start()
        let lines = { (word: String) in harness.log.all.filter { $0.contains("source board5: \(word)") }.count }
        TestSupport.wait("the first connection", seconds: 20) { lines("connected to") == 1 }
        var restarts = 0
        var pub = first
        for round in 1...3 {
            pub.close()
            TestSupport.wait("disconnect \(round) logged", seconds: 20) { lines("disconnected from") == round }
            pub = try ZMQSocket(type: .pub)
            try pub.setSendHighWaterMark(0)
            try pub.setLinger(2000)
            try pub.bind(endpoint)
            TestSupport.wait("reconnect \(round) logged", seconds: 20) { lines("connected to") == round + 1 }
            restarts += 1
        }
        let state = daemon.stats.snapshot().sources.first
        XCTAssertEqual(state?.disconnects, restarts)
        XCTAssertEqual(state?.connects, restarts + 1)
        XCTAssertEqual(state?.connected, true)
        XCTAssertEqual(SourceReceiver.reconnectMilliseconds, 40)
        // What the restarted board sends after the subscription is back is stored.
        var probe = PacmanMessageBuilder(seed: 5)
        let m = probe.nextDataMessage(words: 1, time: 1)
        TestSupport.wait("a message from the restarted board", seconds: 20) {
            _ = try? pub.send(m)
            return daemon.stats.messagesReceived.load(ordering: .relaxed) > 0
        }
        daemon.stop()
        pub.close()
        XCTAssertEqual(try harness.stored().first?.0, 5)
    }
}
