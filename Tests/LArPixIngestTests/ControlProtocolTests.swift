import XCTest
@testable import LArPixIngest

/// The control protocol's pure parts: request lines, replies, endpoints, the default endpoint.
final class ControlProtocolTests: XCTestCase {
    func parse(_ s: String) -> Result<ControlRequest, ControlRefusal> { ControlRequest.parse(Array(s.utf8)) }

    func testRequestsParse() throws {
        XCTAssertEqual(try parse(#"{"command":"start-run","run":42,"subrun":3,"data_stream":"physics"}"#).get(),
                       ControlRequest(command: .startRun, run: 42, subrun: 3, dataStream: "physics"))
        XCTAssertEqual(try parse(#"{"command":"stop-run"}"#).get(), ControlRequest(command: .stopRun))
        XCTAssertEqual(try parse(#"{"command":"rotate","token":"t"}"#).get(), ControlRequest(command: .rotate, token: "t"))
        XCTAssertEqual(try parse(#" {"command": "status"} "#).get().command, .status)
    }

    func testBadRequestsAreRefusedSayingWhy() {
        let bad = [#"not json"#, #"{}"#, #"{"command":"launch"}"#, #"{"command":"start-run"}"#,
                   #"{"command":"start-run","run":1.5}"#, #"{"command":"start-run","run":"7"}"#, #"{"command":"rotate","run":3}"#,
                   "[1,2]", String(repeating: " ", count: ControlRequest.maxLineBytes + 1)]
        for b in bad {
            guard case .failure(.badRequest(let why)) = parse(b) else { XCTFail("accepted \(b.prefix(60))"); continue }
            XCTAssertFalse(why.isEmpty)
        }
    }

    func testRequestAndReplyLinesRoundTrip() throws {
        let r = ControlRequest(command: .startRun, run: 9, subrun: nil, dataStream: "cosmics", token: nil)
        let line = r.line()
        XCTAssertEqual(line.last, 0x0a)
        XCTAssertEqual(try ControlRequest.parse(line.dropLast()).get(), r)
        var reply = ControlReply(ok: true, command: "start-run")
        (reply.closed, reply.opened, reply.run, reply.subrun, reply.dataStream, reply.state) = ("/d/a.h5", "/d/b.h5", 9, 1, "cosmics", "running")
        XCTAssertEqual(ControlReply.parse(reply.line().dropLast()), reply)
        XCTAssertTrue(String(decoding: reply.line(), as: UTF8.self).contains(#""data_stream":"cosmics""#))
        let refused = ControlReply.refused("stop-run", .noRun)
        XCTAssertEqual(ControlReply.parse(refused.line().dropLast())?.error, "no_run")
    }

    func testEndpoints() throws {
        XCTAssertEqual(try ControlEndpoint.parse("unix:/run/x.sock").get(), .unix("/run/x.sock"))
        XCTAssertEqual(try ControlEndpoint.parse("/tmp/c.sock").get(), .unix("/tmp/c.sock"))
        XCTAssertEqual(try ControlEndpoint.parse("./c.sock").get(), .unix("./c.sock"))
        XCTAssertEqual(try ControlEndpoint.parse("tcp://127.0.0.1:7000").get(), .tcp(host: "127.0.0.1", port: 7000))
        XCTAssertEqual(try ControlEndpoint.parse("tcp://[::1]:7000").get(), .tcp(host: "::1", port: 7000))
        for bad in ["c.sock", "tcp://host", "tcp://:5", "tcp://h:0", "/" + String(repeating: "a", count: 120), "/tmp/"] {
            XCTAssertThrowsError(try ControlEndpoint.parse(bad).get(), bad)
        }
        XCTAssertTrue(ControlEndpoint.unix("/x").isLocal)
        XCTAssertTrue(ControlEndpoint.tcp(host: "127.0.0.1", port: 1).isLocal)
        XCTAssertTrue(ControlEndpoint.tcp(host: "::1", port: 1).isLocal)
        XCTAssertFalse(ControlEndpoint.tcp(host: "0.0.0.0", port: 1).isLocal)
        XCTAssertFalse(ControlEndpoint.tcp(host: "daq.example.org", port: 1).isLocal)
    }

    func testTheDefaultEndpointFallsBackForNonRoot() {
        XCTAssertEqual(ControlEndpoint.builtInDefault(outputDirectory: "/d", environment: [:], isRoot: true, writable: { _ in false }),
                       .unix("/run/larpix-rawd/control.sock"))
        XCTAssertEqual(ControlEndpoint.builtInDefault(outputDirectory: "/d", environment: ["XDG_RUNTIME_DIR": "/run/user/5"], isRoot: false,
                                                      writable: { $0 == "/run/user/5" }), .unix("/run/user/5/larpix-rawd/control.sock"))
        XCTAssertEqual(ControlEndpoint.builtInDefault(outputDirectory: "/d", environment: [:], isRoot: false, writable: { _ in false }),
                       .unix("/d/.larpix-rawd-control.sock"))
        XCTAssertEqual(ControlEndpoint.candidates(outputDirectory: "/d", environment: ["XDG_RUNTIME_DIR": "/x"]),
                       [.unix("/run/larpix-rawd/control.sock"), .unix("/x/larpix-rawd/control.sock"), .unix("/d/.larpix-rawd-control.sock")])
    }

    func testTokensCompareWhole() {
        XCTAssertTrue(ControlToken.matches("secret", "secret"))
        XCTAssertFalse(ControlToken.matches("secre", "secret"))
        XCTAssertFalse(ControlToken.matches("secreT", "secret"))
        XCTAssertFalse(ControlToken.matches(nil, "secret"))
    }
}
