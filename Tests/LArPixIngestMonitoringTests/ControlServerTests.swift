import Foundation
import Logging
import TestSupport
import XCTest
@testable import LArPixIngest
@testable import LArPixIngestMonitoring

/// The control server on a real unix socket: lines in, the target's replies out; the socket's
/// mode; a live socket is never taken over, a stale one is replaced; a TCP loopback port.
final class ControlServerTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("ctl") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Answers status with the request's command echoed, off the event loop (as the writer does).
    static func echo(_ line: [UInt8], _ reply: @escaping @Sendable (ControlReply) -> Void) {
        let parsed = ControlRequest.parse(line)
        Thread {
            switch parsed {
            case .success(let r): reply(ControlReply(ok: true, command: r.command.rawValue))
            case .failure(let why): reply(.refused("invalid", why))
            }
        }.start()
    }

    func testRequestsAndRepliesOverAUnixSocket() throws {
        let path = dir.appendingPathComponent("c.sock").path
        let server = ControlServer(endpoint: .unix(path), logger: Logger(label: "t"))
        try server.start(createDirectory: false)
        defer { server.stop() }
        let client = ControlClient(endpoint: .unix(path), timeout: 10)
        XCTAssertEqual(try client.send(ControlRequest(command: .status)).error, "unavailable", "refused until routed")
        server.route { line, reply in Self.echo(line, reply) }
        XCTAssertEqual(try client.send(ControlRequest(command: .rotate)), ControlReply(ok: true, command: "rotate"))
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660)

        // Another server on the same live socket is refused; the first keeps working.
        let second = ControlServer(endpoint: .unix(path), logger: Logger(label: "t"))
        XCTAssertThrowsError(try second.start(createDirectory: false)) { e in
            XCTAssertTrue("\(e)".contains("another daemon is listening there"), "\(e)")
        }
        XCTAssertTrue(client.isListening())
    }

    func testAStaleSocketIsReplacedAndAFileIsNot() throws {
        let path = dir.appendingPathComponent("stale.sock").path
        // A socket file nobody listens on, as a killed daemon leaves it.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in path.utf8.enumerated() { p[i] = b } }
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        XCTAssertFalse(ControlClient(endpoint: .unix(path)).isListening())
        let server = ControlServer(endpoint: .unix(path), logger: Logger(label: "t"))
        try server.start(createDirectory: false)
        server.route { line, reply in Self.echo(line, reply) }
        XCTAssertTrue(try ControlClient(endpoint: .unix(path)).send(ControlRequest(command: .status)).ok)
        server.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "removed at stop")

        let plain = dir.appendingPathComponent("plain").path
        _ = FileManager.default.createFile(atPath: plain, contents: Data("keep".utf8))
        XCTAssertThrowsError(try ControlServer(endpoint: .unix(plain), logger: Logger(label: "t")).start(createDirectory: false))
        XCTAssertEqual(try String(contentsOfFile: plain, encoding: .utf8), "keep")
    }

    func testRequestsOverLoopbackTCP() throws {
        let server = ControlServer(endpoint: .tcp(host: "127.0.0.1", port: 0), logger: Logger(label: "t"))
        try server.start(createDirectory: false)
        defer { server.stop() }
        server.route { line, reply in Self.echo(line, reply) }
        guard let port = server.port else { return XCTFail("no port") }
        let client = ControlClient(endpoint: .tcp(host: "127.0.0.1", port: port), timeout: 10)
        XCTAssertEqual(try client.send(ControlRequest(command: .status)).command, "status")
        XCTAssertFalse(ControlClient(endpoint: .tcp(host: "127.0.0.1", port: 1)).isListening())
    }
}
