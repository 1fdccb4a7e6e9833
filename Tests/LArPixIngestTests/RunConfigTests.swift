import Foundation
import LArPixRaw
import TestSupport
import XCTest
@testable import LArPixIngest

/// The run: and control: sections, and the {run}/{subrun} file-name fields.
final class RunConfigTests: XCTestCase {
    let oneSource = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"

    func parse(_ yaml: String) throws -> DaemonConfig {
        try DaemonConfig.parse(yaml: oneSource + yaml, file: "test.yaml", baseDirectory: "/etc/rawd")
    }

    func testRunSection() throws {
        XCTAssertEqual(try parse("").run, RunConfig(), "no section: no run")
        let c = try parse("run: {number: 1234, subrun: 5, data_stream: physics, subrun_policy: fixed, after_stop: pause}\n")
        XCTAssertEqual(c.run.number, 1234)
        XCTAssertEqual(c.run.subrun, 5)
        XCTAssertEqual(c.run.dataStream, "physics")
        XCTAssertEqual(c.run.subrunPolicy, .fixed)
        XCTAssertEqual(c.run.afterStop, .pause)
    }

    func testControlSection() throws {
        XCTAssertNil(try parse("").control.listen, "absent: the built-in default")
        XCTAssertEqual(try parse("control: {listen: \"\"}\n").controlEndpoint, nil)
        XCTAssertEqual(try parse("control: {listen: \"./c.sock\"}\n").controlEndpoint, .unix("/etc/rawd/c.sock"))
        XCTAssertEqual(try parse("control: {listen: \"tcp://127.0.0.1:7000\"}\n").controlEndpoint, .tcp(host: "127.0.0.1", port: 7000))
        let dir = TestSupport.temporaryDirectory("token")
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = dir.appendingPathComponent("token").path
        try "s3cret\n".write(toFile: token, atomically: true, encoding: .utf8)
        // The operators' group may read it; others may not.
        chmod(token, 0o640)
        let wide = try parse("control: {listen: \"tcp://0.0.0.0:7000\", token_file: \"\(token)\"}\n")
        XCTAssertEqual(wide.controlEndpoint, .tcp(host: "0.0.0.0", port: 7000))
        for mode in [0o644, 0o602, 0o666] as [mode_t] {
            chmod(token, mode)
            XCTAssertThrowsError(try parse("control: {token_file: \"\(token)\"}\n")) { e in
                let e = e as? ConfigError
                XCTAssertEqual(e?.key, "control.token_file")
                XCTAssertTrue(e?.problem.contains("mode \(String(mode, radix: 8)); others may read or write it") == true, "\(String(describing: e))")
            }
        }
    }

    func testBadRunAndControlConfigsNameTheKey() {
        let cases: [(String, String, String)] = [
            ("run: {number: 0}\n", "run.number", "1"),
            ("run: {number: -3}\n", "run.number", "1"),
            ("run: {number: x}\n", "run.number", "integer"),
            ("run: {subrun: -1}\n", "run.subrun", "out of range 0...99999"),
            ("run: {subrun: 100000}\n", "run.subrun", "out of range 0...99999"),
            ("run: {data_stream: \"a b\"}\n", "run.data_stream", "characters"),
            ("run: {data_stream: \"\"}\n", "run.data_stream", "empty"),
            ("run: {subrun_policy: sometimes}\n", "run.subrun_policy", "per_file"),
            ("run: {after_stop: halt}\n", "run.after_stop", "pause"),
            ("run: {numbr: 5}\n", "run.numbr", "unknown"),
            ("control: {listen: \"c.sock\"}\n", "control.listen", "unix:PATH"),
            ("control: {listen: \"tcp://0.0.0.0:7000\"}\n", "control.listen", "token_file"),
            ("control: {listen: \"tcp://10.0.0.1:7000\"}\n", "control.listen", "token_file"),
            ("control: {token_file: \"/nonexistent/token\"}\n", "control.token_file", "cannot be read"),
        ]
        for (yaml, key, word) in cases {
            XCTAssertThrowsError(try parse(yaml), yaml) { e in
                guard let e = e as? ConfigError else { return XCTFail("\(e)") }
                XCTAssertEqual(e.key, key, yaml)
                XCTAssertTrue(e.problem.contains(word), "\(yaml): \(e.problem)")
            }
        }
    }

    func testRunFieldsInFileNames() {
        let tag = RunTag(run: 42, subrun: 3, dataStream: "physics")
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        XCTAssertEqual(FileNamer(pattern: "binary-{run}-{subrun}.h5", host: "h").expand(date: date, seq: 0, run: tag), "binary-0000042-0003.h5")
        XCTAssertEqual(FileNamer(pattern: "r{run:3}_s{subrun:1}.h5", host: "h").expand(date: date, seq: 0, run: tag), "r042_s3.h5")
        XCTAssertEqual(FileNamer(pattern: "r{run:2}.h5", host: "h").expand(date: date, seq: 0, run: RunTag(run: 12345, subrun: 0, dataStream: "x")),
                       "r12345.h5", "wider numbers are never cut")
        XCTAssertEqual(FileNamer(pattern: "binary-{run}-{subrun}.h5", host: "h").expand(date: date, seq: 0, run: nil), "binary-0000000-0000.h5",
                       "untagged files show zeros")
        XCTAssertNil(FileNamer.patternProblem("binary-{run}-%Y_%m_%d_%H_%M_%S_%Z.h5"))
        XCTAssertNil(FileNamer.patternProblem("x{run:12}{subrun:12}.h5"))
        for bad in ["x{run:0}.h5", "x{run:13}.h5", "x{runs}.h5", "x{subrun:}.h5"] {
            XCTAssertNotNil(FileNamer.patternProblem(bad), bad)
        }
    }

    func testAClashWithinARunTakesTheNextSeq() {
        var n = FileNamer(pattern: "binary-{run}.h5", host: "h")
        let tag = RunTag(run: 7, subrun: 1, dataStream: "x")
        let taken: Set<String> = ["/d/binary-0000007.h5"]
        XCTAssertEqual(n.next(in: "/d", run: tag, exists: { taken.contains($0) }), "/d/binary-0000007_1.h5")
    }
}
