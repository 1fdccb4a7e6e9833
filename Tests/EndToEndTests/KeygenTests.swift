import Foundation
import TestSupport
import XCTest
import ZMQ

/// `larpix-raw keygen` and `publish --curve-secret-key`: the files, their modes, and refusals.
final class KeygenTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("keygen") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func mode(_ p: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as! NSNumber).intValue
    }

    func testKeygenWritesASecretOf0600AndNeverOverwrites() throws {
        let prefix = dir.appendingPathComponent("board").path
        let old = umask(0)
        let r: TestSupport.ProcessResult
        do { defer { umask(old) }; r = try CLI.run(["keygen", prefix]) }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try mode(prefix + ".key"), 0o600)
        XCTAssertEqual(try mode(prefix + ".pub"), 0o644)
        let secret = try ZMQCurveKeyFile.readSecretKey(prefix + ".key")
        XCTAssertEqual(ZMQCurve.publicKey(forSecretKey: secret), try ZMQCurveKeyFile.readPublicKey(prefix + ".pub"))
        XCTAssertTrue(r.stdout.contains(try ZMQCurveKeyFile.readPublicKey(prefix + ".pub")), "prints the public key")
        XCTAssertFalse(r.stdout.contains(secret), "never prints the secret key")

        let again = try CLI.run(["keygen", prefix])
        XCTAssertEqual(again.status, 18, again.stderr)
        XCTAssertEqual(try ZMQCurveKeyFile.readSecretKey(prefix + ".key"), secret, "not overwritten")
        let nowhere = try CLI.run(["keygen", dir.appendingPathComponent("no/such/dir/k").path])
        XCTAssertEqual(nowhere.status, 19, nowhere.stderr)
        XCTAssertEqual(nowhere.stderr.split(separator: "\n").count, 1, nowhere.stderr)
    }

    func testPublishRefusesAnOpenSecretKeyFile() throws {
        let prefix = dir.appendingPathComponent("board").path
        XCTAssertEqual(try CLI.run(["keygen", prefix]).status, 0)
        chmod(prefix + ".key", 0o644)
        let r = try CLI.run(["publish", "--curve-secret-key", prefix + ".key", "--count", "1", "--endpoint", "tcp://127.0.0.1:*"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr, "larpix-raw: \(prefix).key: secret key file has mode 0644; it must be 0600 or stricter (chmod 600 \(prefix).key)\n")
    }
}
