import Foundation
import XCTest
import ZMQ

/// The libzmq wrapper over real sockets on 127.0.0.1 (free ports from tcp://127.0.0.1:*).
final class ZMQTests: XCTestCase {
    /// A PUB on a free loopback port and a SUB connected to it, joined: a probe goes round
    /// until the subscription has reached the PUB, so no later message is dropped.
    func connectedPair(subscriberHighWaterMark: Int = 0) throws -> (pub: ZMQSocket, sub: ZMQSocket, endpoint: String) {
        let pub = try ZMQSocket(type: .pub)
        try pub.setSendHighWaterMark(0)
        try pub.setLinger(0)
        try pub.bind("tcp://127.0.0.1:*")
        let endpoint = try XCTUnwrap(pub.lastEndpoint)
        let sub = try ZMQSocket(type: .sub)
        try sub.setReceiveHighWaterMark(subscriberHighWaterMark)
        try sub.setLinger(0)
        try sub.subscribe()
        try sub.connect(endpoint)
        let probe: [UInt8] = Array("probe".utf8)
        for _ in 0..<300 {
            try pub.send(probe)
            if try sub.receiveMessage(timeoutMilliseconds: 10)?.bytes == probe { break }
        }
        while try sub.receiveMessage(timeoutMilliseconds: 20) != nil {}  // drain extra probes
        return (pub, sub, endpoint)
    }

    func testBindToAnyPortReportsTheChosenPort() throws {
        let s = try ZMQSocket(type: .pub)
        XCTAssertNil(s.lastEndpoint)
        try s.bind("tcp://127.0.0.1:*")
        let e = try XCTUnwrap(s.lastEndpoint)
        XCTAssertTrue(e.hasPrefix("tcp://127.0.0.1:"), e)
        let port = try XCTUnwrap(Int(e.split(separator: ":").last!))
        XCTAssertTrue((1024...65535).contains(port), e)
    }

    func testFramesOfEverySizeArriveExactly() throws {
        let (pub, sub, _) = try connectedPair()
        // 0 bytes, libzmq's in-place sizes (up to 33 bytes), the 24-byte PACMAN minimum,
        // and a 256 KB maximum-size message.
        let sizes = [0, 1, 24, 33, 34, 1000, 65_536, 256_008]
        let sent = sizes.enumerated().map { i, n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) } }
        for m in sent { XCTAssertTrue(try pub.send(m)) }
        for m in sent {
            let got = try XCTUnwrap(try sub.receiveMessage(timeoutMilliseconds: 2000))
            XCTAssertEqual(got.count, m.count)
            XCTAssertEqual(got.bytes, m)
            XCTAssertFalse(got.more)
            XCTAssertEqual(got.withUnsafeBytes { Array($0) }, m)
        }
        XCTAssertNil(try sub.receiveMessage(timeoutMilliseconds: 0))
    }

    /// The daemon keeps messages in batches and points HDF5 at their bytes: the bytes must stay
    /// put and intact while the object lives, whatever is received after it.
    func testHeldMessagesKeepTheirBytesInPlace() throws {
        let (pub, sub, _) = try connectedPair()
        let sent: [[UInt8]] = (0..<2000).map { i in
            let n = [24, 8, 33, 40, 4000][i % 5]
            return (0..<n).map { UInt8(truncatingIfNeeded: $0 &+ i &* 13) }
        }
        for m in sent { try pub.send(m) }
        var held: [(ZMQMessage, UnsafeRawPointer?)] = []
        for _ in sent {
            let m = try XCTUnwrap(try sub.receiveMessage(timeoutMilliseconds: 2000))
            held.append((m, m.unsafeBytes.baseAddress))
        }
        held.shuffle()  // moves the references around; the bytes must not move
        let expected = Set(sent)
        for (m, address) in held {
            XCTAssertEqual(m.unsafeBytes.baseAddress, address)
            XCTAssertTrue(expected.contains(Array(m.unsafeBytes)), "bytes changed while held")
        }
        XCTAssertEqual(Set(held.map { $0.0.bytes }).count, Set(sent).count)
    }

    /// Frames moved from the reused receive frame into a block keep their bytes, in place, while
    /// the frame receives on; a full block takes no more; frames of up to 33 bytes (kept inside
    /// the zmq_msg_t) are taken from the slot they moved to.
    func testFramesHeldInABlockKeepTheirBytesInPlace() throws {
        let (pub, sub, _) = try connectedPair()
        let sent: [[UInt8]] = (0..<300).map { i in
            let n = [1, 33, 34, 8192, 9000, 70_000][i % 6]
            return (0..<n).map { UInt8(truncatingIfNeeded: $0 &+ i &* 13) }
        }
        for m in sent { try pub.send(m) }
        let frame = ZMQReceiveFrame()
        let block = ZMQFrameBlock.make(capacity: 12)
        var held: [UnsafeRawBufferPointer] = []
        for (i, m) in sent.enumerated() {
            XCTAssertTrue(try sub.receive(into: frame, timeoutMilliseconds: 2000))
            XCTAssertEqual(Array(frame.unsafeBytes), m)
            guard i % 25 == 0 else { continue }
            let p = try XCTUnwrap(block.hold(frame), "room for frame \(held.count + 1)")
            XCTAssertEqual(frame.unsafeBytes.count, 0, "the frame is empty after")
            held.append(p)
        }
        XCTAssertTrue(block.isFull)
        XCTAssertEqual(block.bytes, held.reduce(0) { $0 + $1.count })
        try pub.send([1, 2, 3])
        XCTAssertTrue(try sub.receive(into: frame, timeoutMilliseconds: 2000))
        XCTAssertNil(block.hold(frame), "a full block takes no more")
        XCTAssertEqual(Array(frame.unsafeBytes), [1, 2, 3], "and leaves the frame as it was")
        for (k, p) in held.enumerated() {
            XCTAssertEqual(block.frame(k).baseAddress, p.baseAddress)
            XCTAssertTrue(p.elementsEqual(sent[25 * k]), "held frame \(k) changed")
        }
    }

    func testMultipartFramesArriveTogether() throws {
        let (pub, sub, _) = try connectedPair()
        XCTAssertTrue(try pub.send([7], more: true))
        XCTAssertTrue(try pub.send(Array("payload".utf8)))
        try pub.send([1, 2, 3])
        let frames = try XCTUnwrap(try sub.receiveMultipart(timeoutMilliseconds: 2000))
        XCTAssertEqual(frames.map(\.bytes), [[7], Array("payload".utf8)])
        XCTAssertEqual(frames.map(\.more), [true, false])
        XCTAssertEqual(try sub.receiveMultipart(timeoutMilliseconds: 2000)?.map(\.bytes), [[1, 2, 3]])
    }

    func testReceiveTimesOutWithNil() throws {
        let (_, sub, _) = try connectedPair()
        let start = ContinuousClock.now
        XCTAssertNil(try sub.receiveMessage(timeoutMilliseconds: 100))
        XCTAssertNil(try sub.receiveMultipart(timeoutMilliseconds: 0))
        let waited = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(95))
        XCTAssertLessThan(waited, .seconds(2))
    }

    func testBuiltInPlaceFramesAndRetryAfterEAGAIN() throws {
        let push = try ZMQSocket(type: .push)
        try push.setLinger(0)
        try push.bind("tcp://127.0.0.1:*")
        let endpoint = try XCTUnwrap(push.lastEndpoint)
        // PUSH with no peer cannot queue: EAGAIN, reported as false, and the frame is kept.
        var message = try ZMQOutgoingMessage(count: 40)
        message.withUnsafeMutableBytes { p in for i in 0..<p.count { p[i] = UInt8(i) } }
        XCTAssertFalse(try push.send(&message, dontWait: true))
        XCTAssertFalse(try push.send([1, 2, 3], dontWait: true))

        let pull = try ZMQSocket(type: .pull)
        try pull.setLinger(0)
        try pull.connect(endpoint)
        try push.setSendTimeout(2000)
        XCTAssertTrue(try push.send(&message))  // blocks until the peer is there
        XCTAssertTrue(try push.send(count: 5) { p in p.copyBytes(from: [9, 8, 7, 6, 5]) })
        XCTAssertEqual(try pull.receiveMessage(timeoutMilliseconds: 2000)?.bytes, (0..<40).map { UInt8($0) })
        XCTAssertEqual(try pull.receiveMessage(timeoutMilliseconds: 2000)?.bytes, [9, 8, 7, 6, 5])
    }

    func testOptionsAreSetAndReadBack() throws {
        let s = try ZMQSocket(type: .sub)
        try s.setSendHighWaterMark(123)
        try s.setReceiveHighWaterMark(456)
        try s.setReceiveBufferSize(1 << 20)
        try s.setSendBufferSize(1 << 19)
        try s.setLinger(0)
        try s.setImmediate(true)
        try s.setReconnectInterval(milliseconds: 150)
        try s.setReconnectIntervalMax(milliseconds: 5000)
        try s.setMaxMessageSize(300_000)
        try s.setReceiveTimeout(250)
        XCTAssertEqual(try s.get(.sendHighWaterMark), 123)
        XCTAssertEqual(try s.get(.receiveHighWaterMark), 456)
        XCTAssertEqual(try s.get(.receiveBufferSize), 1 << 20)
        XCTAssertEqual(try s.get(.sendBufferSize), 1 << 19)
        XCTAssertEqual(try s.get(.linger), 0)
        XCTAssertEqual(try s.get(.immediate), 1)
        XCTAssertEqual(try s.get(.reconnectInterval), 150)
        XCTAssertEqual(try s.get(.reconnectIntervalMax), 5000)
        XCTAssertEqual(try s.get(.maxMessageSize), 300_000)
        XCTAssertEqual(try s.get(.receiveTimeout), 250)
        try s.subscribe(prefix: [0x44])
        try s.unsubscribe(prefix: [0x44])
        XCTAssertThrowsError(try s.set(.sendHighWaterMark, Int(Int32.max) + 1)) { e in
            XCTAssertEqual((e as? ZMQError)?.description, "zmq set sndhwm 2147483648: Invalid argument")
        }
    }

    func testErrorsNameTheOperationAndEndpoint() throws {
        let s = try ZMQSocket(type: .sub)
        XCTAssertThrowsError(try s.connect("tcp://bad:x")) { e in
            XCTAssertEqual("\(e)", "zmq connect tcp://bad:x: Invalid argument")
            XCTAssertEqual((e as? ZMQError)?.endpoint, "tcp://bad:x")
            XCTAssertEqual((e as? ZMQError)?.operation, "connect")
        }
        XCTAssertThrowsError(try s.bind("nonsense://here")) { e in
            XCTAssertEqual("\(e)", "zmq bind nonsense://here: Protocol not supported")
        }
        let taken = try ZMQSocket(type: .pub)
        try taken.bind("tcp://127.0.0.1:*")
        let endpoint = try XCTUnwrap(taken.lastEndpoint)
        XCTAssertThrowsError(try ZMQSocket(type: .pub).bind(endpoint)) { e in
            XCTAssertEqual("\(e)", "zmq bind \(endpoint): Address already in use")
        }
        s.close()
        s.close()  // closing twice is harmless
        XCTAssertTrue(s.isClosed)
        XCTAssertThrowsError(try s.receiveMessage(timeoutMilliseconds: 0)) { e in
            XCTAssertEqual("\(e)", "zmq receive: Socket operation on non-socket")
        }
        XCTAssertThrowsError(try s.send([1]))
    }

    func testMonitorReportsConnectionsAndDisconnections() throws {
        let pub = try ZMQSocket(type: .pub)
        try pub.setLinger(0)
        let pubEvents = try pub.openMonitor(events: [.accepted, .listening])
        try pub.bind("tcp://127.0.0.1:*")
        let endpoint = try XCTUnwrap(pub.lastEndpoint)
        XCTAssertEqual(try pubEvents.receiveMonitorEvent(timeoutMilliseconds: 2000)?.event, .listening)

        let sub = try ZMQSocket(type: .sub)
        try sub.setLinger(0)
        let subEvents = try sub.openMonitor(events: [.connected, .disconnected])
        try sub.connect(endpoint)
        let connected = try XCTUnwrap(try subEvents.receiveMonitorEvent(timeoutMilliseconds: 2000))
        XCTAssertEqual(connected.event, .connected)
        XCTAssertEqual(connected.endpoint, endpoint)
        XCTAssertEqual(connected.event.name, "connected")
        XCTAssertEqual(try pubEvents.receiveMonitorEvent(timeoutMilliseconds: 2000)?.event, .accepted)

        pub.close()
        let lost = try XCTUnwrap(try subEvents.receiveMonitorEvent(timeoutMilliseconds: 2000))
        XCTAssertEqual(lost.event, .disconnected)
        XCTAssertEqual(lost.endpoint, endpoint)
        XCTAssertEqual(lost.description, "disconnected \(endpoint) (\(lost.value))")
    }

    func testMonitorEventDecoding() {
        var first = [UInt8](repeating: 0, count: 6)
        first.withUnsafeMutableBytes { p in
            p.storeBytes(of: UInt16(0x0200), toByteOffset: 0, as: UInt16.self)
            p.storeBytes(of: UInt32(17), toByteOffset: 2, as: UInt32.self)
        }
        let endpoint = Array("tcp://127.0.0.1:5556".utf8)
        let e = first.withUnsafeBytes { f in endpoint.withUnsafeBytes { ZMQMonitorEvent(first: f, second: $0) } }
        XCTAssertEqual(e, ZMQMonitorEvent(event: .disconnected, value: 17, endpoint: "tcp://127.0.0.1:5556"))
        XCTAssertNil([UInt8](repeating: 0, count: 5).withUnsafeBytes { f in endpoint.withUnsafeBytes { ZMQMonitorEvent(first: f, second: $0) } })
        XCTAssertEqual(ZMQSocketEvents(rawValue: 0x8000_0).name, "event 0x80000")
    }

    func testLibraryVersionIsReported() {
        XCTAssertTrue(ZMQContext.libraryVersion.hasPrefix("4."), ZMQContext.libraryVersion)
    }
}
