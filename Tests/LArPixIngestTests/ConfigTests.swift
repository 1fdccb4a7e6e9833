import Foundation
import TestSupport
import XCTest
@testable import LArPixIngest

final class ConfigTests: XCTestCase {
    /// config/larpix-rawd.yaml, found from this file (Tests/LArPixIngestTests/ConfigTests.swift).
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/larpix-rawd.yaml").path

    let oneSource = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1}]\n"

    func parse(_ yaml: String, base: String = "/nonexistent") throws -> DaemonConfig {
        try DaemonConfig.parse(yaml: yaml, file: "test.yaml", baseDirectory: base)
    }

    // MARK: the example file

    func testExampleFileParsesToItsDocumentedValues() throws {
        let c = try DaemonConfig.load(path: Self.examplePath)
        XCTAssertEqual(c.origin, "larpix-rawd.yaml")
        XCTAssertEqual(c.sources, [
            .init(endpoint: "tcp://10.0.1.4:5556", tagging: .ioGroup(1), name: "tpc1", rcvhwm: nil),
            .init(endpoint: "tcp://10.0.1.5:5556", tagging: .ioGroup(2), name: "tpc2", rcvhwm: 200_000, validate: .strict),
        ])
        XCTAssertNil(c.ioConfig)
        XCTAssertEqual(c.receive, .init(rcvhwm: 1000, rcvbuf: 4 << 20, maxMessageBytes: 16 << 20))
        XCTAssertEqual(c.output.directory, "./data")
        XCTAssertEqual(c.output.filename, "raw_%Y_%m_%d_%H_%M_%S_%Z.h5")
        XCTAssertFalse(c.output.append)
        XCTAssertEqual(c.output.ioVersion, "0.0")
        XCTAssertEqual(c.output.minFreeBytes, 1 << 30)
        XCTAssertEqual(c.output.pageSize, 0)
        XCTAssertTrue(c.output.orderedFlush)
        XCTAssertEqual(c.output.exposureWait, 0.05, accuracy: 1e-12)
        XCTAssertTrue(c.output.sidecar)
        XCTAssertEqual(c.output.latestLink, "latest")
        XCTAssertEqual(c.output.onClose, [])
        XCTAssertEqual(c.tap, .init(listen: "", sendHighWaterMark: 10_000))
        XCTAssertEqual(c.flushInterval, 1)
        XCTAssertEqual(c.batch.maxMessages, 4096)
        XCTAssertEqual(c.batch.maxBytes, 16 << 20)
        XCTAssertEqual(c.batch.maxAge, 0.1, accuracy: 1e-12)
        XCTAssertEqual(c.bufferMaxBytes, 1 << 30)
        XCTAssertEqual(c.rotate, .init(maxBytes: 0, maxMessages: 0, maxSeconds: 0))
        XCTAssertEqual(c.metricsListen, "127.0.0.1:9127")
        XCTAssertEqual(c.logLevel, .info)
    }

    /// Apart from its sources, the example is the defaults written out.
    func testExampleFileStatesTheDefaults() throws {
        var example = try DaemonConfig.load(path: Self.examplePath)
        example.sources = []
        example.origin = ""
        var defaults = DaemonConfig()
        defaults.origin = ""
        XCTAssertEqual(example, defaults)
    }

    /// Every key `--check-config` prints is present (not commented out) in the example file.
    func testExampleFileHasEveryKey() throws {
        let example = try String(contentsOfFile: Self.examplePath, encoding: .utf8)
        let exampleKeys = Set(Self.keys(in: example))
        var full = DaemonConfig.builtInDefault
        full.sources.append(.init(endpoint: "tcp://fwd:5557", tagging: .tagged, name: "fwd", rcvhwm: nil))
        let printed = Self.keys(in: full.effectiveYAML())
        XCTAssertGreaterThan(printed.count, 25)
        for key in printed where key != "tagged" {
            XCTAssertTrue(exampleKeys.contains(key), "config/larpix-rawd.yaml lacks \(key)")
        }
        XCTAssertTrue(example.contains("# io_config:"), "the io_config alternative is shown")
        XCTAssertTrue(example.contains("#   tagged: true"), "the tagged source is shown")
    }

    /// The key names of a YAML text's uncommented `key:` lines.
    static func keys(in yaml: String) -> [String] {
        yaml.split(separator: "\n").compactMap { line in
            var t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("- ") { t.removeFirst(2) }
            guard !t.hasPrefix("#"), let colon = t.firstIndex(of: ":") else { return nil }
            let key = String(t[..<colon])
            return key.allSatisfy({ $0.isLetter || $0 == "_" }) ? key : nil
        }
    }

    /// What `--check-config` prints parses back to the same configuration.
    func testEffectiveYAMLParsesBackToTheSameConfig() throws {
        for original in [try DaemonConfig.load(path: Self.examplePath), DaemonConfig.builtInDefault] {
            let yaml = original.effectiveYAML()
            var back = try parse(yaml)
            // Printed with every source's effective rcvhwm and validate, they come back explicit.
            var expected = original
            expected.sources = original.sources.map {
                var s = $0
                s.rcvhwm = s.rcvhwm ?? original.receive.rcvhwm
                s.validate = s.validate ?? original.receive.validate
                return s
            }
            back.origin = expected.origin
            XCTAssertEqual(back, expected, yaml)
        }
    }

    // MARK: defaults and values

    func testBuiltInDefault() {
        let c = DaemonConfig.builtInDefault
        XCTAssertEqual(c.sources, [.init(endpoint: "tcp://127.0.0.1:5556", tagging: .ioGroup(1), name: "io_group1", rcvhwm: nil)])
        XCTAssertEqual(c.output.directory, "./data")
        XCTAssertEqual(c.output.filename, "raw_%Y_%m_%d_%H_%M_%S_%Z.h5")
        XCTAssertEqual(c.output.ioVersion, "0.0")
        XCTAssertEqual(c.receive.rcvhwm, 1000)
        XCTAssertEqual(c.receive.rcvbuf, 4 << 20)
        XCTAssertEqual(c.receive.maxMessageBytes, 16 << 20)
        XCTAssertEqual(c.flushInterval, 1)
        XCTAssertEqual(c.batch.maxMessages, 4096)
        XCTAssertEqual(c.bufferMaxBytes, 1 << 30)
        XCTAssertEqual(c.metricsListen, "127.0.0.1:9127")
        XCTAssertEqual(c.logLevel, .info)
    }

    func testOmittedKeysTakeTheDefaults() throws {
        var c = try parse(oneSource)
        XCTAssertEqual(c.sources, DaemonConfig.builtInDefault.sources)
        c.origin = DaemonConfig.builtInDefault.origin
        XCTAssertEqual(c, DaemonConfig.builtInDefault)
        // An empty section is the same as none.
        var empty = try parse(oneSource + "output: {}\nreceive: {}\nbatch: {}\n")
        empty.origin = c.origin
        XCTAssertEqual(empty, c)
    }

    func testSizesAndDurations() throws {
        XCTAssertEqual(ConfigValues.bytes("1GiB"), 1 << 30)
        XCTAssertEqual(ConfigValues.bytes("512MiB"), 512 << 20)
        XCTAssertEqual(ConfigValues.bytes("512 MiB"), 512 << 20)
        XCTAssertEqual(ConfigValues.bytes("64kB"), 64_000)
        XCTAssertEqual(ConfigValues.bytes("64KiB"), 65_536)
        XCTAssertEqual(ConfigValues.bytes("1 GB"), 1_000_000_000)
        XCTAssertEqual(ConfigValues.bytes("1.5GiB"), 3 << 29)
        XCTAssertEqual(ConfigValues.bytes("4M"), 4 << 20)
        XCTAssertEqual(ConfigValues.bytes("100b"), 100)
        XCTAssertEqual(ConfigValues.bytes("1234"), 1234)
        for bad in ["lots", "", "GiB", "1 XB", "infGiB", "1.5"] { XCTAssertNil(ConfigValues.bytes(bad), bad) }

        XCTAssertEqual(ConfigValues.seconds("500ms"), 0.5)
        XCTAssertEqual(ConfigValues.seconds("250us")!, 250e-6, accuracy: 1e-15)
        XCTAssertEqual(ConfigValues.seconds("2s"), 2)
        XCTAssertEqual(ConfigValues.seconds("1m"), 60)
        XCTAssertEqual(ConfigValues.seconds("1h"), 3600)
        XCTAssertEqual(ConfigValues.seconds("1d"), 86_400)
        XCTAssertEqual(ConfigValues.seconds("0.25"), 0.25)
        XCTAssertEqual(ConfigValues.seconds("3"), 3)
        for bad in ["fast", "", "s", "1 fortnight", "nan", "inf"] { XCTAssertNil(ConfigValues.seconds(bad), bad) }

        // Through YAML: integers, strings with units, underscores in integers.
        let c = try parse(oneSource + """
        receive: {rcvhwm: 100_000, rcvbuf: 0, max_message_bytes: 1MiB, threads: 3}
        output: {min_free_bytes: "10 GB"}
        flush_interval: 250ms
        batch: {max_messages: 10, max_bytes: 64kB, max_age: 0.5}
        buffer: {max_bytes: 2GiB}
        rotate: {max_bytes: 10GiB, max_messages: 1000000, max_seconds: 1h}
        metrics: {listen: "127.0.0.1:9100"}
        log_level: debug
        """)
        XCTAssertEqual(c.receive, .init(rcvhwm: 100_000, rcvbuf: 0, maxMessageBytes: 1 << 20, threads: 3))
        XCTAssertEqual(c.output.minFreeBytes, 10_000_000_000)
        XCTAssertEqual(c.flushInterval, 0.25)
        XCTAssertEqual(c.batch.maxMessages, 10)
        XCTAssertEqual(c.batch.maxBytes, 64_000)
        XCTAssertEqual(c.batch.maxAge, 0.5)
        XCTAssertEqual(c.bufferMaxBytes, 2 << 30)
        XCTAssertEqual(c.rotate, .init(maxBytes: 10 << 30, maxMessages: 1_000_000, maxSeconds: 3600))
        XCTAssertEqual(c.metricsListen, "127.0.0.1:9100")
        XCTAssertEqual(c.logLevel, .debug)
    }

    func testSourceForms() throws {
        let c = try parse("""
        sources:
          - {endpoint: "tcp://pacman1:5556", io_group: 0}
          - {endpoint: "tcp://[fd00::5]:5556", io_group: 255, name: top, rcvhwm: 0}
          - {endpoint: "tcp://fwd:5557", tagged: true}
          - {endpoint: "ipc:///run/pacman.sock", io_group: 7, tagged: false}
          - {endpoint: "inproc://test", tagged: yes}
        metrics: {listen: "*:9100"}
        """)
        XCTAssertEqual(c.sources.map(\.tagging), [.ioGroup(0), .ioGroup(255), .tagged, .ioGroup(7), .tagged])
        XCTAssertEqual(c.sources.map(\.name), ["io_group0", "top", "tcp://fwd:5557", "io_group7", "inproc://test"])
        XCTAssertEqual(c.sources.map(\.rcvhwm), [nil, 0, nil, nil, nil])
        XCTAssertEqual(c.metricsListen, "*:9100")
    }

    // MARK: io_config

    func testIOConfigMergesWithSources() throws {
        let dir = TestSupport.temporaryDirectory("cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("io"), withIntermediateDirectories: true)
        try #"{"io_class": "PACMAN_IO", "io_group": [[3, "pacman3.local"], [4, "10.0.1.7"], [5, "fd00::9"]]}"#
            .write(to: dir.appendingPathComponent("io/pacman.json"), atomically: true, encoding: .utf8)
        let yaml = """
        sources:
          - {endpoint: "tcp://fwd:5557", tagged: true}
          - {endpoint: "tcp://10.0.1.4:5556", io_group: 1}
        io_config: io/pacman.json
        """
        let file = dir.appendingPathComponent("daq.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        // load() resolves the relative io_config against the config file's directory.
        let c = try DaemonConfig.load(path: file.path)
        XCTAssertEqual(c.sources.map(\.endpoint),
                       ["tcp://fwd:5557", "tcp://10.0.1.4:5556", "tcp://pacman3.local:5556", "tcp://10.0.1.7:5556", "tcp://[fd00::9]:5556"])
        XCTAssertEqual(c.sources.map(\.tagging), [.tagged, .ioGroup(1), .ioGroup(3), .ioGroup(4), .ioGroup(5)])
        XCTAssertEqual(c.sources[2].name, "io_group3")
        XCTAssertEqual(c.ioConfig, dir.appendingPathComponent("io/pacman.json").path)

        // io_config alone is enough; an absolute path works from anywhere.
        let alone = try parse("io_config: \(dir.appendingPathComponent("io/pacman.json").path)\n")
        XCTAssertEqual(alone.sources.count, 3)
    }

    func testIOConfigClashesNameIOConfig() throws {
        let dir = TestSupport.temporaryDirectory("cfg")
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"io_group": [[1, "10.0.1.9"]]}"#.write(to: dir.appendingPathComponent("g.json"), atomically: true, encoding: .utf8)
        try #"{"io_group": [[9, "10.0.1.4"]]}"#.write(to: dir.appendingPathComponent("e.json"), atomically: true, encoding: .utf8)
        let src = "sources: [{endpoint: \"tcp://10.0.1.4:5556\", io_group: 1}]\n"
        for json in ["g.json", "e.json"] {
            XCTAssertThrowsError(try parse(src + "io_config: \(json)\n", base: dir.path), json) { e in
                let error = e as! ConfigError
                XCTAssertEqual(error.key, "io_config")
                XCTAssertTrue(error.problem.contains("sources[0]"), "names the other place: \(error)")
            }
        }
    }

    // MARK: bad configurations

    /// Every bad config is refused with one line that names the file and the key path.
    func testBadConfigsNameTheKey() throws {
        let dir = TestSupport.temporaryDirectory("cfgbad")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in [("bad.json", "not json"), ("range.json", #"{"io_group": [[300, "h"]]}"#),
                             ("bool.json", #"{"io_group": [[true, "h"]]}"#), ("frac.json", #"{"io_group": [[1.5, "h"]]}"#),
                             ("class.json", #"{"io_class": "SERIAL_IO", "io_group": [[1, "h"]]}"#),
                             ("nolist.json", #"{"io_class": "PACMAN_IO"}"#), ("dup.json", #"{"io_group": [[1, "a"], [1, "b"]]}"#)] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let src = oneSource
        // (yaml, key path the message must name, a word the problem must contain)
        let cases: [(String, String, String)] = [
            ("", "sources", "empty"),
            ("# only a comment\n", "sources", "empty"),
            ("- a\n", "(top level)", "mapping"),
            ("sources: []\n", "sources", "no sources"),
            ("sources:\n", "sources", "list"),
            ("sources: {endpoint: x}\n", "sources", "list"),
            ("sources: [5]\n", "sources[0]", "mapping"),
            ("sources: [{io_group: 1}]\n", "sources[0].endpoint", "missing"),
            ("sources: [{endpoint: [a], io_group: 1}]\n", "sources[0].endpoint", "string"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 300}]\n", "sources[0].io_group", "0...255"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 256}]\n", "sources[0].io_group", "0...255"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: -1}]\n", "sources[0].io_group", "0...255"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: one}]\n", "sources[0].io_group", "integer"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1.5}]\n", "sources[0].io_group", "integer"),
            ("sources: [{endpoint: \"tcp://h:5556\"}]\n", "sources[0]", "io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\", tagged: false}]\n", "sources[0]", "io_group"),
            ("sources: [{endpoint: \"tcp://h:5556\", io_group: 1, tagged: true}]\n", "sources[0].io_group", "tagged"),
            ("sources: [{endpoint: \"tcp://h:5556\", tagged: maybe}]\n", "sources[0].tagged", "true or false"),
            ("sources: [{endpoint: \"http://h:5556\", io_group: 1}]\n", "sources[0].endpoint", "tcp://"),
            ("sources: [{endpoint: \"tcp://h:70000\", io_group: 1}]\n", "sources[0].endpoint", "1-65535"),
            ("sources: [{endpoint: \"tcp://h:0\", io_group: 1}]\n", "sources[0].endpoint", "1-65535"),
            ("sources: [{endpoint: \"tcp://h\", io_group: 1}]\n", "sources[0].endpoint", "PORT"),
            ("sources: [{endpoint: \"tcp://:5556\", io_group: 1}]\n", "sources[0].endpoint", "host"),
            ("sources: [{endpoint: \"tcp://*:5556\", io_group: 1}]\n", "sources[0].endpoint", "host"),
            ("sources: [{endpoint: \"tcp://a b:5556\", io_group: 1}]\n", "sources[0].endpoint", "blank"),
            ("sources: [{endpoint: \"tcp://fd00::1:5556\", io_group: 1}]\n", "sources[0].endpoint", "brackets"),
            ("sources: [{endpoint: \"ipc://\", io_group: 1}]\n", "sources[0].endpoint", "path"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1, colour: red}]\n", "sources[0].colour", "unknown key"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1, name: \"\"}]\n", "sources[0].name", "empty"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1, rcvhwm: -1}]\n", "sources[0].rcvhwm", "negative"),
            ("sources: [{endpoint: \"tcp://a:1\", io_group: 1}, {endpoint: \"tcp://b:1\", io_group: 1}]\n", "sources[1].io_group", "sources[0]"),
            ("sources: [{endpoint: \"tcp://a:1\", io_group: 1}, {endpoint: \"tcp://a:1\", io_group: 2}]\n", "sources[1].endpoint", "sources[0]"),
            ("sources: [{endpoint: \"tcp://a:1\", tagged: true}, {endpoint: \"tcp://a:1\", tagged: true}]\n", "sources[1].endpoint", "sources[0]"),
            (src + "flush_interval: fast\n", "flush_interval", "expected a duration"),
            (src + "flush_interval: 0\n", "flush_interval", "more than 0"),
            (src + "flush_interval: -1\n", "flush_interval", "negative"),
            (src + "flush_interval: 2h\n", "flush_interval", "maximum 3600"),
            (src + "flush_interval: [1]\n", "flush_interval", "a list"),
            (src + "output: 5\n", "output", "mapping"),
            (src + "output:\n  flush: 1\n", "output.flush", "unknown key (known: directory, filename, append, io_version, min_free_bytes"),
            (src + "output:\n  append: sometimes\n", "output.append", "true or false"),
            (src + "output:\n  io_version: \"zero\"\n", "output.io_version", "major.minor"),
            (src + "output:\n  io_version: 1\n", "output.io_version", "major.minor"),
            (src + "output:\n  io_version: \"1.2.3\"\n", "output.io_version", "major.minor"),
            (src + "output:\n  io_version: \"1.\"\n", "output.io_version", "major.minor"),
            (src + "output:\n  filename: \"../escape.h5\"\n", "output.filename", ".."),
            (src + "output:\n  filename: \"a/b.h5\"\n", "output.filename", "/"),
            (src + "output:\n  filename: \"\"\n", "output.filename", "empty"),
            (src + "output:\n  filename: \"%D.h5\"\n", "output.filename", "expands"),
            (src + "output:\n  filename: \"run_{runs}.h5\"\n", "output.filename", "{runs}"),
            (src + "output:\n  filename: \"run_{seq.h5\"\n", "output.filename", "unclosed"),
            (src + "output:\n  filename: \"\(String(repeating: "x", count: 300)).h5\"\n", "output.filename", "255"),
            (src + "output:\n  directory: \"\"\n", "output.directory", "empty"),
            (src + "output:\n  min_free_bytes: -1GiB\n", "output.min_free_bytes", "negative"),
            (src + "batch:\n  max_messages: 0\n", "batch.max_messages", "out of range 1..."),
            (src + "batch:\n  max_age: 0\n", "batch.max_age", "more than 0"),
            (src + "batch:\n  max_bytes: 2GiB\nbuffer:\n  max_bytes: 1GiB\n", "batch.max_bytes", "buffer.max_bytes"),
            (src + "buffer:\n  max_bytes: lots\n", "buffer.max_bytes", "expected a size"),
            (src + "buffer:\n  size: 1GiB\n", "buffer.size", "unknown key (known: max_bytes)"),
            (src + "rotate:\n  max_bytes: -5\n", "rotate.max_bytes", "negative"),
            (src + "rotate:\n  max_messages: x\n", "rotate.max_messages", "integer"),
            (src + "rotate:\n  max_seconds: -1\n", "rotate.max_seconds", "negative"),
            (src + "metrics:\n  listen: \"nowhere\"\n", "metrics.listen", "PORT"),
            (src + "metrics:\n  listen: \"host:99999\"\n", "metrics.listen", "1-65535"),
            (src + "log_level: loud\n", "log_level", "trace, debug, info"),
            (src + "colour: red\n", "colour", "unknown key"),
            (src + "receive:\n  rcvhwm: many\n", "receive.rcvhwm", "integer"),
            (src + "receive:\n  rcvbuf: -4MiB\n", "receive.rcvbuf", "negative"),
            (src + "receive:\n  max_message_bytes: 0\n", "receive.max_message_bytes", "minimum 1"),
            (src + "receive:\n  threads: 0\n", "receive.threads", "out of range 1...256"),
            (src + "receive:\n  threads: 1000\n", "receive.threads", "256"),
            (src + "receive:\n  threads: two\n", "receive.threads", "integer"),
            ("io_config: missing.json\n", "io_config", "missing.json: no such file"),
            ("io_config: \"\"\n", "io_config", "empty"),
            ("io_config: .\n", "io_config", "directory"),
            ("io_config: bad.json\n", "io_config", "bad.json: not valid JSON"),
            ("io_config: range.json\n", "io_config", "0...255"),
            ("io_config: bool.json\n", "io_config", "io_group[0]"),
            ("io_config: frac.json\n", "io_config", "io_group[0]"),
            ("io_config: class.json\n", "io_config", "PACMAN_IO"),
            ("io_config: nolist.json\n", "io_config", "io_group"),
            ("io_config: dup.json\n", "io_config", "io_group 1"),
            ("sources: [\n", "", "line 2"),
            ("sources:\n  - endpoint: tcp://a:1\n    io_group: 1\n   bad: x\n", "", "line 4"),
            (src + "flush_interval: 1\nflush_interval: 2\n", "", "'flush_interval' given twice"),
            (src + "output: {directory: a, directories: [b]}\n", "output.directories", "not both"),
            (src + "output: {directories: []}\n", "output.directories", "empty"),
            (src + "output: {directories: a}\n", "output.directories", "list"),
            (src + "output: {directories: [a, \"\"]}\n", "output.directories[1]", "empty"),
            (src + "output: {directories: [/d/a, /d/./a/]}\n", "output.directories[1]", "also output.directories[0]"),
            (src + "output: {return_to_first: maybe}\n", "output.return_to_first", "maybe"),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        var keysSeen = Set<String>()
        for (yaml, key, words) in cases {
            do {
                _ = try DaemonConfig.parse(yaml: yaml, file: "bad.yaml", baseDirectory: dir.path)
                XCTFail("accepted a bad config:\n\(yaml)")
            } catch {
                keysSeen.insert(key)
                XCTAssertEqual(error.key, key, "for:\n\(yaml)\ngot: \(error)")
                XCTAssertTrue(error.description.hasPrefix(key.isEmpty ? "bad.yaml: " : "bad.yaml: \(key): "), "file and key first: \(error)")
                XCTAssertTrue(error.problem.contains(words), "\"\(words)\" in: \(error)")
                XCTAssertFalse(error.description.contains("\n"), "one line: \(error)")
            }
        }
        XCTAssertGreaterThanOrEqual(keysSeen.count, 20, "distinct key paths")
    }

    /// The brief's examples, word for word.
    func testMessagesReadAsDocumented() {
        func message(_ yaml: String) -> String {
            do { _ = try DaemonConfig.parse(yaml: yaml, file: "config.yaml"); return "accepted" } catch { return error.description }
        }
        XCTAssertEqual(message("sources: [{endpoint: \"tcp://a:1\", io_group: 1}, {endpoint: \"tcp://b:1\", io_group: 300}]\n"),
                       "config.yaml: sources[1].io_group: 300 is out of range 0...255")
        XCTAssertTrue(message(oneSource + "output: {flush: 1}\n")
            .hasPrefix("config.yaml: output.flush: unknown key (known: directory, filename, append, io_version, min_free_bytes"))
        XCTAssertEqual(message(oneSource + "flush_interval: fast\n"),
                       "config.yaml: flush_interval: expected a duration (seconds, or e.g. \"500ms\"), got \"fast\"")
    }

    func testLoadNamesTheFile() throws {
        let dir = TestSupport.temporaryDirectory("cfgload")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("daq.yaml")
        try "log_level: loud\n\(oneSource)".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DaemonConfig.load(path: file.path)) { e in
            XCTAssertEqual("\(e)", "daq.yaml: log_level: \"loud\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        XCTAssertThrowsError(try DaemonConfig.load(path: dir.appendingPathComponent("none.yaml").path)) { e in
            XCTAssertTrue("\(e)".hasSuffix("none.yaml: no such file"), "\(e)")
        }
        XCTAssertThrowsError(try DaemonConfig.load(path: dir.path)) { e in
            XCTAssertTrue("\(e)".hasSuffix("is a directory"), "\(e)")
        }
    }

    func testExitCodeIsEXCONFIG() {
        XCTAssertEqual(ConfigError.exitCode, 78)
    }

    // MARK: output directory

    func testOutputDirectoriesAreOrderedPlacesAndPrintBack() throws {
        let c = try parse(oneSource + "output: {directories: [/data/a, /data/b], return_to_first: false}\n")
        XCTAssertEqual(c.output.directories, ["/data/a", "/data/b"])
        XCTAssertEqual(c.output.directory, "/data/a", "the first is the preferred place")
        XCTAssertFalse(c.output.returnToFirst)
        XCTAssertEqual(try parse(c.effectiveYAML()).output, c.output, "--check-config prints them back")
        let one = try parse(oneSource + "output: {directories: [/data/a]}\n")
        XCTAssertEqual(one.output.directories, ["/data/a"])
        XCTAssertTrue(one.output.returnToFirst, "default true")
        XCTAssertEqual(IngestPipeline.writerSettings(c).places, ["/data/a", "/data/b"])
    }

    func testOutputDirectoryIsCreatedAndUnusableOnesAreRefused() throws {
        let dir = TestSupport.temporaryDirectory("cfgdir")
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = DaemonConfig.builtInDefault
        c.output.directory = dir.appendingPathComponent("a/b/c").path
        try c.validateOutputDirectory()
        var isDir: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: c.output.directory, isDirectory: &isDir) && isDir.boolValue)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: c.output.directory), [], "the probe file is removed")
        try c.validateOutputDirectory()  // existing: fine too

        // Tests run as root, whom chmod does not stop: a path under a regular file cannot be made.
        let file = dir.appendingPathComponent("plain")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data("x".utf8)))
        for bad in [file.path, file.appendingPathComponent("sub").path, file.appendingPathComponent("sub/deeper").path, "/proc/larpix"] {
            c.output.directory = bad
            XCTAssertThrowsError(try c.validateOutputDirectory(), bad) { e in
                let error = e as! ConfigError
                XCTAssertEqual(error.key, "output.directory")
                XCTAssertTrue(error.description.contains(bad), "names the directory: \(error)")
                XCTAssertFalse(error.description.contains("\n"))
            }
        }
    }
}
