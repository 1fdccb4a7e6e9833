import PACMAN
import Foundation
import LArPixRaw
import PacmanEmulator
import TestSupport
import XCTest
import ZMQ

/// The daemon process's security promises: file modes, a unit hardened to a systemd exposure
/// of at most 2.0, key files and patterns refused at start with exit 78 naming them.
final class DaemonSecurityTests: DaemonProcessCase {
    func testFilesAre0640InADirectoryOf0750WhateverTheUmask() throws {
        let e = try emulator(ioGroup: 3, count: 200)
        let config = try writeConfig(sources: [(e.publisher.endpoint, 3)])
        // The daemon inherits the most permissive umask; it must not matter.
        let old = umask(0)
        let daemon: Process
        do { defer { umask(old) }; daemon = try startDaemon(config: config) }
        XCTAssertEqual(Self.runPublishers([e]).map(\.messages), [200])
        waitUntilVisible(200)
        kill(daemon.processIdentifier, SIGHUP)  // a second file, made by rotation
        Thread.sleep(forTimeInterval: 0.3)
        stop(daemon)
        XCTAssertGreaterThanOrEqual(dataFiles.count, 2)
        for f in dataFiles { XCTAssertEqual(try Self.mode(f), 0o640, f) }
        XCTAssertEqual(try Self.mode(dir.appendingPathComponent("data").path), 0o750, "the output directory the daemon made")
        XCTAssertFalse(daemonLog.contains("output.directory"), "a directory the daemon owns draws no warning: \(daemonLog)")
    }

    func testAnOutputDirectoryOthersCanWriteIsWarnedAbout() throws {
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        chmod(data.path, 0o777)
        let daemon = try startDaemon(config: try writeConfig(sources: [("tcp://127.0.0.1:\(try Self.freePort())", 1)]))
        stop(daemon)
        XCTAssertTrue(daemonLog.contains("output.directory \(data.path) is writable by every user"), daemonLog)
    }


    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    /// `systemd-analyze security --offline=true` on copies whose ExecStart names the built daemon
    /// (as in testUnitFilesVerifyClean): every unit's overall exposure must be at most 2.0.
    func testUnitsExposureIsAtMost2() throws {
        for (copy, unit) in try unitCopies([("larpix-rawd.service", "larpix-rawd.service"), ("larpix-rawd@.service", "larpix-rawd@det1.service")]) {
            let r = try TestSupport.run("/usr/bin/systemd-analyze", ["security", "--offline=true", "--no-pager", unit.path])
            XCTAssertEqual(r.status, 0, "\(copy): \(r.stderr)")
            // "→ Overall exposure level for larpix-rawd.service: 1.2 OK 🙂"
            let line = r.stdout.split(separator: "\n").first { $0.contains("Overall exposure level for \(copy):") }
            let score = line.flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
            guard let score else { XCTFail("\(copy): no exposure level in:\n\(r.stdout)\(r.stderr)"); continue }
            print("\(copy): systemd exposure \(score)")
            XCTAssertLessThanOrEqual(score, 2.0, "\(copy) exposure \(score) is above 2.0:\n\(r.stdout)")
        }
    }

    func testBadKeysPoliciesAndPatternsExit78NamingThem() throws {
        let pair = try ZMQCurve.generateKeyPair(), board = try ZMQCurve.generateKeyPair()
        let key = dir.appendingPathComponent("rawd.key").path, pub = dir.appendingPathComponent("board.pub").path
        try ZMQCurveKeyFile.write(pair, publicPath: dir.appendingPathComponent("rawd.pub").path, secretPath: key)
        try ZMQCurveKeyFile.write(board, publicPath: pub, secretPath: dir.appendingPathComponent("board.key").path)
        let source = "sources: [{endpoint: \"tcp://127.0.0.1:5556\", io_group: 1, curve: {server_public_key: board.pub, client_secret_key: rawd.key}}]\n"
        let good = dir.appendingPathComponent("good.yaml").path
        try (source + "receive: {validate: strict}\n").write(toFile: good, atomically: true, encoding: .utf8)
        let ok = try TestSupport.run(daemonPath, ["--check-config", good])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("client_secret_key: \"\(key)\"") && ok.stdout.contains("validate: strict"), ok.stdout)
        XCTAssertFalse(ok.stdout.contains(pair.secretKey), "a secret key is never printed")

        chmod(key, 0o640)
        let cases: [(String, String)] = [
            (source, "sources[0].curve.client_secret_key: \(key): secret key file has mode 0640; it must be 0600 or stricter"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1, validate: lax}]\n", "sources[0].validate: \"lax\" is not one of raw, strict"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1}]\nreceive: {validate: 1}\n", "receive.validate"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1}]\noutput: {filename: \"run_{}.h5\"}\n", "output.filename: \"run_{}.h5\" has an empty field"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1}]\noutput: {filename: \"%Y/%m.h5\"}\n", "output.filename"),
            ("sources: [{endpoint: \"tcp://h:1\", io_group: 1}]\noutput: {filename: \"a\\tb.h5\"}\n", "output.filename: contains a control character"),
        ]
        for (i, (yaml, expected)) in cases.enumerated() {
            let p = dir.appendingPathComponent("bad\(i).yaml").path
            try yaml.write(toFile: p, atomically: true, encoding: .utf8)
            let r = try TestSupport.run(daemonPath, ["--config", p])
            XCTAssertEqual(r.status, 78, yaml)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("bad\(i).yaml: \(expected)"), "\(r.stderr) should contain \(expected)")
        }
    }
}

extension DaemonSecurityTests {
    /// The daemon process with a CURVE source: the board's emulator with the right secret key is
    /// ingested in full; one with another key is refused, and the daemon's log says which source.
    func testCurveSourceRightKeyIngestedWrongKeyRefusedAndLogged() throws {
        let rawd = try ZMQCurve.generateKeyPair(), board = try ZMQCurve.generateKeyPair()
        try ZMQCurveKeyFile.write(rawd, publicPath: dir.appendingPathComponent("rawd.pub").path, secretPath: dir.appendingPathComponent("rawd.key").path)
        try ZMQCurveKeyFile.write(board, publicPath: dir.appendingPathComponent("board.pub").path, secretPath: dir.appendingPathComponent("board.key").path)
        for (secret, expected) in [(board.secretKey, 300), (try ZMQCurve.generateKeyPair().secretKey, 0)] {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent("data"))
            var e = try emulator(ioGroup: 6, count: 300)
            var o = e.options
            o.curveSecretKey = secret
            o.startDelay = 1.0
            e = Emulator(publisher: try PacmanPublisher(options: o), ioGroup: 6, options: o)
            let curve = "{server_public_key: board.pub, client_secret_key: rawd.key}"
            let config = try writeConfig(sources: [])
            try (try String(contentsOfFile: config, encoding: .utf8))
                .replacingOccurrences(of: "sources:\n", with: "sources:\n  - {endpoint: \"\(e.publisher.endpoint)\", io_group: 6, name: tpc6, curve: \(curve)}\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let daemon = try startDaemon(config: config)
            XCTAssertEqual(Self.runPublishers([e]).map(\.messages), [300], "a PUB sends whether or not anyone listens")
            if expected > 0 { waitUntilVisible(expected) } else { Thread.sleep(forTimeInterval: 1.0) }
            stop(daemon)
            let all = try stored()
            XCTAssertEqual(all.count, expected)
            if expected > 0 {
                assertSame(all.map(\.1), self.expected(e), "the right key: every message, byte for byte")
                XCTAssertFalse(daemonLog.contains("refused the publisher"), daemonLog)
            } else {
                XCTAssertTrue(daemonLog.contains("source tpc6: refused the publisher at \(e.publisher.endpoint)"), daemonLog)
            }
        }
    }
}

extension DaemonProcessCase {
    /// Copies of units from systemd/ (source name, copy name) whose /usr/local/bin/larpix-rawd is
    /// the built daemon, as systemd-analyze insists that ExecStart's binary exists. Skips (or,
    /// where the oracles are required, fails) without systemd-analyze.
    func unitCopies(_ units: [(String, String)]) throws -> [(String, URL)] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            throw TestSupport.unavailable("systemd-analyze not installed (scripts/setup.sh installs systemd)")
        }
        let dir = self.dir.appendingPathComponent("units")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try units.map { name, copy in
            let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
            XCTAssertTrue(text.contains("ExecStart=/usr/local/bin/larpix-rawd --config"), name)
            let unit = dir.appendingPathComponent(copy)
            try text.replacingOccurrences(of: "/usr/local/bin/larpix-rawd", with: daemonPath).write(to: unit, atomically: true, encoding: .utf8)
            return (copy, unit)
        }
    }
}
