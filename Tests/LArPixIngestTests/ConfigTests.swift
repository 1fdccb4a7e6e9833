import Foundation
import TestSupport
import XCTest
@testable import LArPixIngest

final class ConfigTests: XCTestCase {
    func testExampleFileParsesToItsDocumentedValues() throws {
        let path = TestSupport.packageRoot.appendingPathComponent("config/larpix-rawd.yaml").path
        let c = try DaemonConfig.load(path: path)
        XCTAssertEqual(c.sources.map(\.endpoint), ["tcp://10.0.1.4:5556", "tcp://10.0.1.5:5556"])
        XCTAssertEqual(c.sources.map(\.tagging), [.ioGroup(1), .ioGroup(2)])
        XCTAssertEqual(c.sources[1].rcvhwm, 200_000)
        XCTAssertEqual(c.receive.rcvbuf, 4 << 20)
        XCTAssertEqual(c.output.filename, "raw_%Y_%m_%d_%H_%M_%S_%Z.h5")
        XCTAssertEqual(c.flushInterval, 1)
        XCTAssertEqual(c.batch.maxAge, 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.bufferMaxBytes, 1 << 30)
        XCTAssertEqual(c.output.minFreeBytes, 1 << 30)
        XCTAssertEqual(c.logLevel, .info)
    }

    func testBuiltInDefault() {
        let c = DaemonConfig.builtInDefault
        XCTAssertEqual(c.sources.count, 1)
        XCTAssertEqual(c.sources[0].endpoint, "tcp://127.0.0.1:5556")
        XCTAssertEqual(c.sources[0].tagging, .ioGroup(1))
        XCTAssertEqual(c.output.directory, "./data")
        XCTAssertEqual(c.output.ioVersion, "0.0")
    }

    func testSizesAndDurations() {
        XCTAssertEqual(ConfigValues.bytes("1GiB"), 1 << 30)
        XCTAssertEqual(ConfigValues.bytes("512 MiB"), 512 << 20)
        XCTAssertEqual(ConfigValues.bytes("64kB"), 64_000)
        XCTAssertEqual(ConfigValues.bytes("1 GB"), 1_000_000_000)
        XCTAssertEqual(ConfigValues.bytes("4M"), 4 << 20)
        XCTAssertEqual(ConfigValues.bytes("1234"), 1234)
        XCTAssertNil(ConfigValues.bytes("lots"))
        XCTAssertEqual(ConfigValues.seconds("500ms"), 0.5)
        XCTAssertEqual(ConfigValues.seconds("2s"), 2)
        XCTAssertEqual(ConfigValues.seconds("1m"), 60)
        XCTAssertEqual(ConfigValues.seconds("1h"), 3600)
        XCTAssertEqual(ConfigValues.seconds("0.25"), 0.25)
        XCTAssertNil(ConfigValues.seconds("fast"))
    }

    func testTaggedSourcesAndIOConfigMerge() throws {
        let dir = TestSupport.temporaryDirectory("cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"io_class": "PACMAN_IO", "io_group": [[3, "pacman3.local"], [4, "10.0.1.7"]]}"#
            .write(to: dir.appendingPathComponent("io.json"), atomically: true, encoding: .utf8)
        let yaml = """
        sources:
          - {endpoint: "tcp://fwd:5557", tagged: true}
        io_config: io.json
        """
        let c = try DaemonConfig.parse(yaml: yaml, file: "c.yaml", baseDirectory: dir.path)
        XCTAssertEqual(c.sources.map(\.endpoint), ["tcp://fwd:5557", "tcp://pacman3.local:5556", "tcp://10.0.1.7:5556"])
        XCTAssertEqual(c.sources.map(\.tagging), [.tagged, .ioGroup(3), .ioGroup(4)])
    }

    /// Every bad config is refused with one line that names the key path.
    func testBadConfigsNameTheKey() throws {
        let dir = TestSupport.temporaryDirectory("cfgbad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "not json".write(to: dir.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        try #"{"io_group": [[300, "h"]]}"#.write(to: dir.appendingPathComponent("range.json"), atomically: true, encoding: .utf8)
        let src = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"
        let cases: [(String, String)] = [
            ("", "sources"),
            ("sources: []\n", "sources"),
            ("sources: {endpoint: x}\n", "sources"),
            ("sources: [{io_group: 1}]\n", "sources[0].endpoint"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 300}]\n", "sources[0].io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: -1}]\n", "sources[0].io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: one}]\n", "sources[0].io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\"}]\n", "sources[0]"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1, tagged: true}]\n", "sources[0].io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\", tagged: maybe}]\n", "sources[0].tagged"),
            ("sources: [{endpoint: \"http://h:5556\", io_group: 1}]\n", "sources[0].endpoint"),
            ("sources: [{endpoint: \"tcp://h:70000\", io_group: 1}]\n", "sources[0].endpoint"),
            ("sources: [{endpoint: \"tcp://h\", io_group: 1}]\n", "sources[0].endpoint"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1, colour: red}]\n", "sources[0].colour"),
            ("sources: [{endpoint: \"tcp://a:1\", io_group: 1}, {endpoint: \"tcp://b:1\", io_group: 1}]\n", "sources[1].io_group"),
            ("sources: [{endpoint: \"tcp://a:1\", io_group: 1}, {endpoint: \"tcp://a:1\", io_group: 2}]\n", "sources[1].endpoint"),
            (src + "flush_interval: fast\n", "flush_interval"),
            (src + "flush_interval: 0\n", "flush_interval"),
            (src + "output:\n  flush: 1\n", "output.flush"),
            (src + "output:\n  append: sometimes\n", "output.append"),
            (src + "output:\n  io_version: \"zero\"\n", "output.io_version"),
            (src + "output:\n  filename: \"../escape.h5\"\n", "output.filename"),
            (src + "output:\n  filename: \"a/b.h5\"\n", "output.filename"),
            (src + "output:\n  filename: \"\"\n", "output.filename"),
            (src + "output:\n  filename: \"%D.h5\"\n", "output.filename"),
            (src + "output:\n  filename: \"run_{run}.h5\"\n", "output.filename"),
            (src + "output:\n  directory: \"\"\n", "output.directory"),
            (src + "batch:\n  max_messages: 0\n", "batch.max_messages"),
            (src + "batch:\n  max_bytes: 2GiB\nbuffer:\n  max_bytes: 1GiB\n", "batch.max_bytes"),
            (src + "buffer:\n  max_bytes: lots\n", "buffer.max_bytes"),
            (src + "rotate:\n  max_bytes: -5\n", "rotate.max_bytes"),
            (src + "rotate:\n  max_seconds: -1\n", "rotate.max_seconds"),
            (src + "metrics:\n  listen: \"nowhere\"\n", "metrics.listen"),
            (src + "log_level: loud\n", "log_level"),
            (src + "colour: red\n", "colour"),
            (src + "receive:\n  rcvhwm: many\n", "receive.rcvhwm"),
            ("io_config: missing.json\n", "io_config"),
            ("io_config: bad.json\n", "io_config"),
            ("io_config: range.json\n", "io_config"),
            ("sources: [\n", ""),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for (yaml, key) in cases {
            do {
                _ = try DaemonConfig.parse(yaml: yaml, file: "bad.yaml", baseDirectory: dir.path)
                XCTFail("accepted a bad config:\n\(yaml)")
            } catch {
                XCTAssertEqual(error.key, key, "for:\n\(yaml)\ngot: \(error)")
                XCTAssertFalse(error.description.contains("\n"), "one line: \(error)")
                XCTAssertTrue(error.description.hasPrefix("bad.yaml: "), "names the file: \(error)")
            }
        }
    }

    func testOutputDirectoryIsCreatedAndUnusableOnesAreRefused() throws {
        let dir = TestSupport.temporaryDirectory("cfgdir")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = DaemonConfig.builtInDefault
        c.output.directory = dir.appendingPathComponent("a/b/c").path
        try c.validateOutputDirectory()
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: c.output.directory, isDirectory: &isDir) && isDir.boolValue)
        let file = dir.appendingPathComponent("plain")
        FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8))
        for bad in [file.path, file.appendingPathComponent("sub").path, "/proc/larpix"] {
            c.output.directory = bad
            XCTAssertThrowsError(try c.validateOutputDirectory(), bad) { e in
                XCTAssertEqual((e as? ConfigError)?.key, "output.directory")
            }
        }
    }
}

final class FileNamerTests: XCTestCase {
    let date = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC

    override func setUp() { setenv("TZ", "UTC", 1); tzset() }

    func testStrftimeSeqAndHost() {
        let n = FileNamer(pattern: "raw_%Y_%m_%d_%H_%M_%S_%Z_{seq}_{host}.h5", host: "daq1")
        XCTAssertEqual(n.expand(date: date, seq: 7), "raw_2023_11_14_22_13_20_UTC_0007_daq1.h5")
        XCTAssertEqual(FileNamer(pattern: "r{seq:6}.h5").expand(date: date, seq: 42), "r000042.h5")
    }

    func testNeverOverwrites() {
        var taken: Set<String> = ["/d/run_0000.h5", "/d/run_0001.h5"]
        var n = FileNamer(pattern: "run_{seq}.h5")
        let p = n.next(in: "/d", date: date, exists: { taken.contains($0) })
        XCTAssertEqual(p, "/d/run_0002.h5")
        taken.insert(p)
        XCTAssertEqual(n.next(in: "/d", date: date, exists: { taken.contains($0) }), "/d/run_0003.h5")

        var plain = FileNamer(pattern: "fixed.h5")
        taken = ["/d/fixed.h5", "/d/fixed_1.h5"]
        XCTAssertEqual(plain.next(in: "/d", date: date, exists: { taken.contains($0) }), "/d/fixed_2.h5")
        XCTAssertEqual(plain.next(in: "/d", date: date, allowExisting: true, exists: { taken.contains($0) }), "/d/fixed.h5")
    }

    func testPatternsThatLeaveTheDirectoryAreRefused() {
        XCTAssertNil(FileNamer.patternProblem("raw_%Y_%m_%d_%H_%M_%S_%Z.h5"))
        for bad in ["", "../x.h5", "a/b.h5", "%D.h5", "{nope}.h5", "{seq.h5", ".."] {
            XCTAssertNotNil(FileNamer.patternProblem(bad), bad)
        }
    }
}
