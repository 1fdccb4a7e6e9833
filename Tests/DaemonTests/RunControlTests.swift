import Foundation
import LArPixIngest
import LArPixRaw
import PacmanEmulator
import Synchronization
import TestSupport
import XCTest

/// Run control over the daemon's control endpoint with `larpix-raw`, while an emulator sends
/// at full rate: start-run, rotate and stop-run each close a file and open the next, and across
/// the files every message sent is stored exactly once, in order; the files are tagged and named
/// for their runs; refusals and a missing daemon exit with their own codes.
final class RunControlTests: DaemonProcessCase {
    var larpixRaw: String { TestSupport.product("larpix-raw") }
    var socket: String { dir.appendingPathComponent("ctl.sock").path }

    /// Runs `larpix-raw ARGS --control SOCKET [--json]`.
    func ctl(_ args: [String], json: Bool = true) throws -> TestSupport.ProcessResult {
        try TestSupport.run(larpixRaw, args + ["--control", socket] + (json ? ["--json"] : []))
    }

    func reply(_ r: TestSupport.ProcessResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
    }

    func testStartRotateStopAtFullRateStoreEveryMessageOnceInTaggedFiles() throws {
        let count = 300_000
        var o = PacmanPublisher.Options()
        // The system picks the port (one picked beforehand can be taken meanwhile).
        o.endpoint = "tcp://127.0.0.1:*"
        o.count = count
        o.words = 1...8
        o.seed = 1107
        o.messageTime = 1_700_000_000
        o.sendHighWaterMark = 0
        o.waitForSubscribers = 20
        o.startDelay = 0.3
        o.progressInterval = 0.002
        let publisher = try PacmanPublisher(options: o)
        let port = Int(publisher.endpoint.split(separator: ":").last!)!
        let data = dir.appendingPathComponent("data").path
        let yaml = """
        sources: [{endpoint: "tcp://127.0.0.1:\(port)", io_group: 1}]
        output: {directory: "\(data)", filename: "f{seq}_run{run}_sub{subrun}.h5"}
        flush_interval: 200ms
        log_level: info
        metrics: {listen: ""}
        control: {listen: "\(socket)"}
        run: {data_stream: physics}

        """
        let config = dir.appendingPathComponent("rawd.yaml").path
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try startDaemon(config: config)
        // A second daemon on the same control.listen stops at start, saying why, before any file.
        let second = try TestSupport.run(daemonPath, ["--config", config], environment: ["HDF5_USE_FILE_LOCKING": "FALSE"])
        XCTAssertEqual(second.status, 69, second.stderr)
        XCTAssertTrue(second.stderr.contains("control.listen") && second.stderr.contains("another daemon is listening there"), second.stderr)

        let sent = Atomic<Int>(0)
        let finished = DispatchSemaphore(value: 0)
        let done = Atomic<Bool>(false)
        let report = Mutex<PublishReport?>(nil)
        Thread {
            let r = try? publisher.run { p in sent.store(p.messages, ordering: .relaxed) }
            report.withLock { $0 = r }
            done.store(true, ordering: .releasing)
            finished.signal()
        }.start()
        func sentGrows(by n: Int) {
            let from = sent.load(ordering: .relaxed)
            TestSupport.wait("\(n) more messages sent", seconds: 30, poll: 0.001) {
                // Progress comes in samples: the last may be short of the count.
                sent.load(ordering: .relaxed) >= from + n || done.load(ordering: .acquiring)
            }
        }

        sentGrows(by: 20_000)
        let t0 = Date()
        let start = reply(try ctl(["run", "start", "--run", "42"]))
        sentGrows(by: 30_000)
        let again = try ctl(["run", "start", "--run", "43"], json: false)
        XCTAssertEqual(again.status, 27, "a run already started: \(again.stderr)")
        XCTAssertTrue(again.stderr.hasPrefix("larpix-raw: ") && again.stderr.contains("run 42 is already started"), again.stderr)
        XCTAssertEqual(again.stderr.split(separator: "\n").count, 1)
        let rotate = reply(try ctl(["rotate"]))
        sentGrows(by: 30_000)
        let stopped = reply(try ctl(["run", "stop"], json: false).fieldsOfTextLines())
        XCTAssertEqual(try ctl(["run", "stop"], json: false).status, 28, "no run to stop")
        let sentAtStop = sent.load(ordering: .relaxed)
        let commandSeconds = Date().timeIntervalSince(t0)

        finished.wait()
        XCTAssertEqual(report.withLock { $0?.messages }, count)
        waitUntilVisible(count)
        let status = reply(try ctl(["run", "status"]))
        XCTAssertEqual(status["state"] as? String, "untagged")
        stop(daemon)
        let gone = try ctl(["run", "status"], json: false)
        XCTAssertEqual(gone.status, 26, "no daemon: \(gone.stderr)")
        // Checked before connecting.
        let bad = try ctl(["run", "start", "--run", "0"], json: false)
        XCTAssertEqual(bad.status, 29, "a bad run number: \(bad.stderr)")

        // Every message once, in order, bytes and all.
        let files = dataFiles
        let want = expected(Emulator(publisher: publisher, ioGroup: 1, options: o))
        let got = try stored()
        assertSame(got.map(\.1), want, "stored vs sent")
        XCTAssertEqual(got.reduce(0) { $0 + $1.1.count }, want.reduce(0) { $0 + $1.count }, "bytes")
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent },
                       ["f0000_run0000000_sub0000.h5", "f0001_run0000042_sub0001.h5", "f0002_run0000042_sub0002.h5", "f0003_run0000000_sub0000.h5"])
        XCTAssertEqual(try files.map { try RawFileReader(path: $0).metadata.run },
                       [nil, RunTag(run: 42, subrun: 1, dataStream: "physics"), RunTag(run: 42, subrun: 2, dataStream: "physics"), nil])
        // Each reply names the file it closed and the one it opened.
        XCTAssertEqual(start["closed"] as? String, files[0])
        XCTAssertEqual(start["opened"] as? String, files[1])
        XCTAssertEqual(rotate["closed"] as? String, files[1])
        XCTAssertEqual(rotate["opened"] as? String, files[2])
        XCTAssertEqual(stopped["closed"] as? String, files[2], "the text output names it too")
        XCTAssertEqual(stopped["opened"] as? String, files[3])
        // The sidecar is a catalog record carrying the tag (DUNE's run × 100000 + subrun, as in /meta).
        let sidecar = try CatalogSidecar(files[1] + ".json")
        XCTAssertEqual(sidecar.core["core.runs"] as? [Int], [42])
        XCTAssertEqual(sidecar.core["core.runs_subruns"] as? [Int], [4_200_001])
        XCTAssertEqual(sidecar.core["core.data_stream"] as? String, "physics")
        XCTAssertEqual(sidecar.ours["subrun"] as? Int, 1)
        let untagged = try CatalogSidecar(files[0] + ".json")
        XCTAssertEqual(untagged.core["core.runs"] as? [Int], [])
        XCTAssertEqual(untagged.core["core.data_stream"] as? String, "commissioning")
        // What crs_daq's dump_metadata.py derives from each closed file agrees with its sidecar
        // on every key both have (the site's fields given the same).
        for f in files { try sidecarAgreesWithCrsDaq(f) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "the socket goes with the daemon")
        let info = try TestSupport.run(larpixRaw, ["info", files[2], "--json"])
        let run = ((try? JSONSerialization.jsonObject(with: Data(info.stdout.utf8))) as? [String: Any])?["run"] as? [String: Any]
        XCTAssertEqual(run?["subrun"] as? Int, 2, "larpix-raw info shows the tag: \(info.stdout)")
        let counts = try files.map { try RawFile.count($0) }
        XCTAssertGreaterThan(counts[0], 0)
        print("run-control: \(count) messages at full rate, files \(counts) (\(sentAtStop) sent at stop-run, commands in \(String(format: "%.2f", commandSeconds)) s): lost 0, repeated 0")
    }
}

private extension TestSupport.ProcessResult {
    /// The text output's "key: value" lines as a JSON object (to check what a person reads).
    func fieldsOfTextLines() -> TestSupport.ProcessResult {
        var r = self
        var fields: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            if let colon = line.firstIndex(of: ":") {
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let json = try? JSONSerialization.data(withJSONObject: fields)
        r.stdout = json.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return r
    }
}

extension RunControlTests {
    /// Derives the record the way crs_daq does (Tests/oracle/catalog_record.py, over Debian's
    /// h5py) and compares it with the sidecar key by key.
    func sidecarAgreesWithCrsDaq(_ file: String, file line: StaticString = #filePath, _ n: UInt = #line) throws {
        let oracle = try Oracle.debian()
        let ours = try CatalogSidecar(file + ".json")
        let r = try TestSupport.run(oracle.python, [TestSupport.oracleScript("catalog_record.py"), file,
                                                    "--app-name", "larpix-rawd", "--app-version", DaemonVersion.string])
        XCTAssertEqual(r.status, 0, r.stderr, file: line, line: n)
        let theirs = try CatalogSidecar(json: r.stdout)
        for key in ["name", "namespace", "size"] {
            XCTAssertEqual("\(ours.top[key] ?? "-")", "\(theirs.top[key] ?? "-")", "\(file): \(key)", file: line, line: n)
        }
        XCTAssertEqual(ours.top["checksums"] as? [String: String], theirs.top["checksums"] as? [String: String], file: line, line: n)
        let untagged = ours.core["core.runs"] as? [Int] == []
        for (key, value) in theirs.core {
            // crs_daq writes [null] for a file outside any run; ours names no run.
            if untagged && (key == "core.runs" || key == "core.runs_subruns") { continue }
            XCTAssertEqual(ours.core[key].map { "\($0)" }, "\(value)", "\(file): \(key)", file: line, line: n)
        }
    }
}

/// A sidecar FILE.h5.json: the catalog record's top level, its metadata, and larpix-rawd's own
/// fields (metadata "larpix_rawd.*" without the category).
struct CatalogSidecar {
    let top: [String: Any]
    let core: [String: Any]
    let ours: [String: Any]

    init(_ path: String) throws { try self.init(data: Data(contentsOf: URL(fileURLWithPath: path))) }
    init(json: String) throws { try self.init(data: Data(json.utf8)) }
    init(data: Data) throws {
        top = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let md = try XCTUnwrap(top["metadata"] as? [String: Any], "no metadata")
        core = md.filter { !$0.key.hasPrefix("larpix_rawd.") }
        ours = Dictionary(uniqueKeysWithValues: md.filter { $0.key.hasPrefix("larpix_rawd.") }
            .map { (String($0.key.dropFirst("larpix_rawd.".count)), $0.value) })
    }
}
