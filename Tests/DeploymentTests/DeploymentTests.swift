import Foundation
import TestSupport
import XCTest

/// The deployment (issue 13): the Debian package that `scripts/package.sh` builds, its hardened
/// unit under a real systemd, and `monitoring/` against a real Prometheus. Each test runs one
/// script of `tests/deploy` (which an operator can run alone), prints its TAP-like output
/// (`ok N - …`, `not ok N - …`, measurements as `# name: value`) and fails with its `not ok`
/// lines. A script exits 77 when it cannot run here (no root, no systemd-nspawn, no container,
/// no prometheus); that skips, saying why, unless `LARPIX_REQUIRE_SYSTEMD=1` (scripts/test.sh
/// sets it when run as root) or `CI=true`, where it fails.
///
/// The package is `LARPIX_DEB` (scripts/test.sh builds it before `swift test`) or, when that is
/// unset, `.build/deb/larpix-rawd_<version>_amd64.deb` as `scripts/package.sh` leaves it.
final class DeploymentTests: XCTestCase {
    static var required: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["LARPIX_REQUIRE_SYSTEMD"] == "1" || env["CI"] == "true"
    }

    static var version: String {
        let file = TestSupport.packageRoot.appendingPathComponent("Sources/LArPixIngest/Pipeline/DaemonVersion.swift")
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        guard let r = text.range(of: #"string = "([^"]+)""#, options: .regularExpression) else { return "?" }
        return String(text[r].dropFirst(10).dropLast())
    }

    func debPath() throws -> String {
        let env = ProcessInfo.processInfo.environment
        let path = env["LARPIX_DEB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? TestSupport.packageRoot.appendingPathComponent(".build/deb/larpix-rawd_\(Self.version)_amd64.deb").path
        guard FileManager.default.fileExists(atPath: path) else {
            try cannotRun("no package at \(path): run scripts/package.sh (scripts/test.sh does) or set LARPIX_DEB")
        }
        return path
    }

    func cannotRun(_ why: String) throws -> Never {
        if Self.required {
            XCTFail("cannot run, and LARPIX_REQUIRE_SYSTEMD=1 or CI=true: \(why)")
            throw XCTSkip("failed above: \(why)")
        }
        throw XCTSkip(why)
    }

    /// Runs tests/deploy/NAME with ARGS; its output goes to the test log.
    func runScript(_ name: String, _ args: [String]) throws {
        let script = TestSupport.packageRoot.appendingPathComponent("tests/deploy/\(name)").path
        let start = Date()
        // A hung script (a container that never answers) fails the test instead of hanging CI.
        let r = try TestSupport.run("/usr/bin/timeout", ["--kill-after=30", "600", script] + args)
        XCTAssertNotEqual(r.status, 124, "tests/deploy/\(name) did not finish in 600 s")
        print("--- tests/deploy/\(name) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)")
        print(r.stdout, terminator: r.stdout.hasSuffix("\n") ? "" : "\n")
        if !r.stderr.isEmpty { print("--- stderr:\n\(r.stderr.suffix(4000))") }
        let lines = r.stdout.split(separator: "\n")
        if r.status == 77 {
            let why = lines.last { $0.hasPrefix("# SKIP: ") }.map { String($0.dropFirst(8)) } ?? "exit 77"
            try cannotRun(why)
        }
        let failures = lines.filter { $0.hasPrefix("not ok ") }
        XCTAssertEqual(r.status, 0, "tests/deploy/\(name) exited \(r.status):\n" + failures.joined(separator: "\n") + "\n" + String(r.stderr.suffix(2000)))
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("ok ") }, "no check ran")
    }

    /// Name, control fields, contents, Depends (exactly the linked libraries' packages), the
    /// static Swift runtime, the packaged units (exposure <= 2.0), lintian.
    func testPackage() throws {
        try runScript("package-test.sh", [try debPath()])
    }

    /// The package in a minimal Debian 12 booted with systemd-nspawn: install, READY, reload,
    /// stop, watchdog, bad config, journal, larpix-rawd@ instances, remove and purge.
    func testUnitUnderRealSystemd() throws {
        try runScript("systemd-test.sh", [try debPath()])
    }

    /// Debian's prometheus scrapes the daemon with monitoring/prometheus.yml; the alert rules
    /// pass promtool and evaluate; every dashboard query returns series.
    func testPrometheusAndMonitoring() throws {
        let bin = TestSupport.productsDirectory.path
        guard FileManager.default.isExecutableFile(atPath: TestSupport.product("larpix-rawd")) else {
            XCTFail("larpix-rawd is not built in \(bin): swift build, or set LARPIX_BIN_DIR"); return
        }
        try runScript("prometheus-test.sh", [bin])
    }
}
