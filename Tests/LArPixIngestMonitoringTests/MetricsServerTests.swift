import Foundation
import NIOCore
import XCTest
@testable import LArPixIngestMonitoring

/// The metrics server holds a bounded number of connections and closes idle ones, so that
/// clients which connect and say nothing cannot use up the daemon's descriptors.
final class MetricsServerTests: XCTestCase {
    /// A TCP connection to 127.0.0.1:port; -1 when it cannot be made.
    func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        return r == 0 ? fd : -1
    }

    /// Whether the server closed `fd` within `seconds` (a read returns end of file).
    func closedByServer(_ fd: Int32, within seconds: Int) -> Bool {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var b = [UInt8](repeating: 0, count: 16)
        return recv(fd, &b, b.count, 0) == 0
    }

    func scrape(_ port: Int) -> String? {
        let fd = connect(port)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let req = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        guard send(fd, req, req.count, 0) == req.count else { return nil }
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = [], b = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &b, b.count, 0)
            if n <= 0 { break }
            out += b[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testIdleConnectionsAreClosedAndTheirNumberIsCapped() throws {
        let server = MetricsServer(address: "127.0.0.1:0", idleTimeout: .milliseconds(300), maxConnections: 4,
                                   render: { Array("larpix_rawd_info 1\n".utf8) })
        try server.start()
        defer { server.stop() }
        let port = try XCTUnwrap(server.port)
        let held = (0..<4).map { _ in connect(port) }
        XCTAssertFalse(held.contains(-1))
        // Past the cap a connection is closed at once, whatever the idle timeout.
        let extra = connect(port)
        XCTAssertTrue(closedByServer(extra, within: 20), "a fifth connection was held")
        close(extra)
        // The held ones are closed once idle (the timeout is 0.3 s; 20 s is only the test's patience).
        for fd in held { XCTAssertTrue(closedByServer(fd, within: 20), "an idle connection was kept open") }
        held.forEach { close($0) }
        let deadline = Date().addingTimeInterval(20)
        while server.connections.current > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(server.connections.current, 0)
        // And a scrape works again.
        XCTAssertTrue(scrape(port)?.contains("larpix_rawd_info 1") == true)
    }
}
