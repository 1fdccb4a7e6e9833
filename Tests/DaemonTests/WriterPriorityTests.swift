import Foundation
import TestSupport
import XCTest

/// writer_priority as a DAQ host runs it: the daemon as a user with no capabilities, the writer
/// thread raised where RLIMIT_NICE allows it (the unit's LimitNICE=-5), and where it does not, one
/// line saying what would, and the daemon writing on at its own nice.
final class WriterPriorityTests: DaemonProcessCase {
    func testTheWriterIsRaisedWhereTheKernelAllowsAndSaysSoWhereNot() throws {
        guard geteuid() == 0 else { throw XCTSkip("runs the daemon as root and as nobody (setpriv), which needs root") }
        // nobody must reach the config and write in the data directory (made by root first).
        let data = dir.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        XCTAssertEqual(chmod(dir.path, 0o777), 0)
        XCTAssertEqual(chmod(data, 0o777), 0)
        let config = try writeConfig(sources: [("tcp://127.0.0.1:\(try Self.freePort())", 1)], logLevel: "info")
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        // Root: CAP_SYS_NICE. Nobody under RLIMIT_NICE 0 (the default): no raise allowed. Nobody
        // under RLIMIT_NICE 25 (nice down to -5, what the unit's LimitNICE=-5 sets): allowed, if
        // this machine lets prlimit raise the limit (CAP_SYS_RESOURCE; sandboxes often lack it).
        var cases: [(String, [String], Int32)] = [("root", [], -5), ("nobody, RLIMIT_NICE 0", ["/usr/bin/prlimit", "--nice=0", "--"] + asNobody, 0)]
        if try TestSupport.run("/usr/bin/prlimit", ["--nice=25", "--", "/bin/true"]).status == 0 {
            cases.append(("nobody, RLIMIT_NICE 25", ["/usr/bin/prlimit", "--nice=25", "--"] + asNobody, -5))
        } else {
            print("WriterPriorityTests: prlimit cannot raise RLIMIT_NICE here (no CAP_SYS_RESOURCE): the LimitNICE route is checked under systemd (DeploymentTests) only")
        }
        for (who, launcher, nice) in cases {
            let p = try startDaemon(config: config, launcher: launcher)
            // The first file exists once the writer runs; the receivers start after it.
            TestSupport.wait("\(who): the writer and receiver threads", seconds: 20) {
                let t = (try? niceByThread(p.processIdentifier)) ?? [:]
                return t["larpix-rawd wri"] != nil && t["larpix-rawd rec"] != nil
            }
            let threads = try niceByThread(p.processIdentifier)
            XCTAssertEqual(threads["larpix-rawd wri"], [Int(nice)], "\(who): \(threads)")
            XCTAssertEqual(Set(threads["larpix-rawd rec"] ?? []), [0], "\(who): the receivers stay at the daemon's nice")
            stop(p)
            let log = daemonLog
            if nice == 0 {
                XCTAssertTrue(log.contains("writer_priority 5: the writer thread stays at nice 0, nice -5 was refused (Permission denied): allow it with LimitNICE=-5 in the unit (or CAP_SYS_NICE), or set writer_priority: 0"), "\(who): \(log)")
            } else {
                XCTAssertTrue(log.contains("writer thread at nice -5 (writer_priority 5: the daemon's other threads at 0)"), "\(who): \(log)")
            }
            XCTAssertTrue(log.contains("stopped: "), "\(who): it wrote on and stopped cleanly: \(log)")
            for f in dataFiles { try FileManager.default.removeItem(atPath: f) }
        }
    }
}
