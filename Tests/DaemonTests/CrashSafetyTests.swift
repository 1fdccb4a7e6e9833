import Foundation
import PACMAN
import LArPixRaw
import TestSupport
import XCTest

/// kill -9 of `larpix-rawd` at random moments while a full-rate emulator feeds it, restarting it
/// each time on the same directory with `output.append: true` and a fixed file name (so every
/// restart meets the file the killed daemon left marked open). After each kill the file must
/// hold a prefix of the published sequence, byte for byte, at least everything a reader saw
/// flushed before the kill; every file must open with larpix-control (HDF5 1.10.8) and pip's
/// h5py (HDF5 2.x); no restart may touch an earlier file.
///
/// CI runs 20 kills; `bench/crash-kills.sh 100` runs more (LARPIX_CRASH_KILLS) and prints the
/// same per-kill figures.
final class CrashSafetyTests: XCTestCase {
    let flushMs = 250.0, maxAgeMs = 100.0

    struct Kill {
        var file: String
        var afterMs: Double
        var stored: Int
        var visibleBefore: Int
        var sentAtKill: Int
        var lostMessages: Int
        var lostMs: Double
        var repair: RawFileRepair.Report?
    }

    struct Fingerprint: Equatable { var size: Int; var mtime: Int; var head: [UInt8] }

    static func fingerprint(_ path: String) -> Fingerprint {
        var st = stat()
        stat(path, &st)
        let head = FileHandle(forReadingAtPath: path).flatMap { h in defer { try? h.close() }; return try? h.read(upToCount: 4096) } ?? Data()
        return Fingerprint(size: Int(st.st_size), mtime: st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec, head: [UInt8](head))
    }

    func testKill9AtRandomMomentsKeepsAPrefixWithEveryFlushedMessage() throws {
        let kills = Int(ProcessInfo.processInfo.environment["LARPIX_CRASH_KILLS"] ?? "") ?? 20
        let h = try DaemonHarness(label: "crash")
        defer { h.cleanUp() }
        var records: [Kill] = []
        var prints: [String: Fingerprint] = [:]
        var digests: [String: (Int, UInt32)] = [:]

        let seed = UInt64(ProcessInfo.processInfo.environment["LARPIX_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(UInt32.max))
        var rng = SplitMix64(seed: seed)
        print("crash-safety: seed \(seed) (LARPIX_SEED repeats it)")
        for k in 0..<kills {
            let before = Set(h.dataFiles)
            let emulator = try h.emulator(seed: 1000 + UInt64(k), words: 1...8)
            let config = try h.writeConfig(filename: "live.h5", flushInterval: "\(Int(flushMs))ms",
                                           output: ["append: true", "min_free_bytes: 0"],
                                           extra: "batch:\n  max_age: \(Int(maxAgeMs))ms\nreceive:\n  rcvhwm: 2000\n")
            let daemon = try h.startDaemon(config: config)
            let new = h.dataFiles.filter { !before.contains($0) }
            XCTAssertEqual(new.count, 1, "kill \(k): the restart starts exactly one new file: \(new)")
            guard let file = new.first else { _ = emulator.finish(); break }
            for (old, fp) in prints { XCTAssertEqual(Self.fingerprint(old), fp, "kill \(k): the restart touched \(old)") }

            emulator.waitUntilSent(1)
            let afterMs = 30 + Double(rng.next() % 770)
            usleep(UInt32(afterMs * 1000))
            let visible = (try? RawFile.count(file)) ?? 0
            let sentAtKill = emulator.sent
            let killedAt = Date().timeIntervalSince1970
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            _ = emulator.finish()
            XCTAssertEqual(daemon.terminationReason, .uncaughtSignal)

            let cmp = try DaemonHarness.compare(files: [file], with: emulator.sequence())
            let stored = cmp.messages
            XCTAssertNil(cmp.problem, "kill \(k): the file is not a prefix of the published sequence")
            XCTAssertGreaterThanOrEqual(stored, visible, "kill \(k): messages a reader saw flushed are gone")
            let newest = emulator.time(whenSent: max(stored, 1)) ?? emulator.startedAt.timeIntervalSince1970
            let lostMs = (killedAt - newest) * 1000
            digests[file] = (stored, cmp.digest)
            records.append(Kill(file: file, afterMs: afterMs, stored: stored, visibleBefore: visible, sentAtKill: sentAtKill,
                                lostMessages: max(0, sentAtKill - stored), lostMs: lostMs,
                                repair: try? RawFileRepair.repair(file, dryRun: true)))
            prints[file] = Self.fingerprint(file)
        }

        // Every file left behind opens: larpix-raw (the CLI), larpix-control over HDF5 1.10.8
        // and over pip's HDF5 2.x, and h5py with swmr=True.
        let files = records.map(\.file)
        let raw = try DaemonHarness.binary("larpix-raw")
        for f in files {
            let r = try TestSupport.run(raw, ["count", f])
            XCTAssertEqual(r.status, 0, "larpix-raw count \(f): \(r.stderr)")
            XCTAssertEqual(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), digests[f]?.0)
        }
        var plainRefusals: [String: Int] = [:]
        for (label, python) in [("HDF5 1.10.8", TestSupport.oraclePython), ("pip h5py", TestSupport.h5py2Python)] {
            guard let python else {
                if TestSupport.oracleRequired { XCTFail("\(label): oracle Python not set") }
                continue
            }
            for o in try h.oracleOpen(python: python, files: files) {
                let f = o["file"] as? String ?? "?"
                let lc = o["larpix_control"] as? [String: Any] ?? [:]
                XCTAssertNil(lc["error"], "\(label) from_rawfile \(f): \(lc["error"] ?? "")")
                XCTAssertEqual(lc["n"] as? Int, digests[f]?.0, "\(label) \(f): message count")
                XCTAssertEqual((lc["crc"] as? NSNumber)?.uint32Value, digests[f]?.1, "\(label) \(f): message bytes")
                XCTAssertNil((o["swmr"] as? [String: Any])?["error"], "\(label) h5py swmr=True \(f): \(o["swmr"] ?? "")")
                if (o["plain"] as? [String: Any])?["error"] != nil { plainRefusals[label, default: 0] += 1 }
            }
        }

        // On copies: `larpix-raw repair` (and, to see whether it would do, `clear` alone), then a
        // plain (non-SWMR) open and an append must work and every message must still be there.
        var clearOnlyFailures: [String] = []
        var copies: [String] = []
        for tool in ["repair", "clear"] {
            let out = h.dir.appendingPathComponent(tool)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            for f in files {
                let copy = out.appendingPathComponent((f as NSString).lastPathComponent).path
                try FileManager.default.copyItem(atPath: f, toPath: copy)
                let r = try TestSupport.run(raw, [tool, copy])
                XCTAssertEqual(r.status, 0, "\(tool) \(copy): \(r.stderr)")
                XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(copy))
                do {
                    let w = try RawFileWriter.openForAppend(copy, ioVersion: "0.0")
                    try w.append(messages: [[0x44, 0, 0, 0, 0, 0, 0, 0]], ioGroups: [1])
                    try w.close()
                    let c = try RawFile.read(copy, end: digests[f]?.0)
                    XCTAssertEqual(DaemonHarness.digest(messages: c.messages ?? [], groups: c.headers[RawFileLayout.ioGroupsField] ?? []),
                                   digests[f]?.1, "\(tool) kept every message of \(f)")
                    XCTAssertEqual(try RawFile.count(copy), (digests[f]?.0 ?? 0) + 1)
                } catch {
                    if tool == "repair" { XCTFail("append after repair of \(f): \(error)") } else { clearOnlyFailures.append("\(f): \(error)") }
                }
                if tool == "repair" { copies.append(copy) }
            }
        }
        if let python = TestSupport.oraclePython {
            for o in try h.oracleOpen(python: python, files: copies) {
                XCTAssertNil((o["plain"] as? [String: Any])?["error"], "plain h5py open after repair: \(o)")
            }
        }
        print("crash-safety: appending after `clear` alone failed for \(clearOnlyFailures.count) of \(files.count) files\(clearOnlyFailures.isEmpty ? "" : ": " + clearOnlyFailures.joined(separator: "; "))")

        report(records, plainRefusals: plainRefusals, kills: kills)
    }

    func report(_ records: [Kill], plainRefusals: [String: Int], kills: Int) {
        print("kill  after_ms  stored  visible  sent  lost_msgs  lost_ms  mark  eoa-size  msgs/headers")
        for (k, r) in records.enumerated() {
            let rep = r.repair
            print(String(format: "%4d  %8.0f  %6d  %7d  %6d  %9d  %7.0f  %4@  %8d  %d/%d", k, r.afterMs, r.stored, r.visibleBefore,
                         r.sentAtKill, r.lostMessages, r.lostMs, rep.map { $0.flags != 0 ? "set" : "no" } ?? "?",
                         (rep?.storedEndOfAllocation ?? 0) - (rep?.fileSize ?? 0), rep?.messages ?? -1, rep?.headers ?? -1))
        }
        let lost = records.map(\.lostMs).sorted(), msgs = records.map(\.lostMessages).sorted()
        if !lost.isEmpty {
            print(String(format: "crash-safety: %d kills; lost ms: median %.0f, p90 %.0f, max %.0f; lost messages: median %d, max %d; EOA != size after %d kills; unequal lengths after %d; plain (non-SWMR) h5py refused %@ files",
                         kills, lost[lost.count / 2], lost[lost.count * 9 / 10], lost.last!, msgs[msgs.count / 2], msgs.last!,
                         records.filter { ($0.repair?.newEndOfAllocation != nil) || ($0.repair.map { $0.storedEndOfAllocation != $0.fileSize } ?? false) }.count,
                         records.filter { $0.repair?.trimmedTo != nil }.count,
                         plainRefusals.map { "\($0.key): \($0.value)" }.joined(separator: ", ")))
        }
    }
}
