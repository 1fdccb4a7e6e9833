import Foundation
import Logging
import Synchronization
import TestSupport
import XCTest
@testable import LArPixIngestMonitoring

/// What closed files get: checksums as Python computes them, and a latest link replaced atomically.
final class ClosedFileTests: XCTestCase {
    func testChecksumsAgreeWithPython() throws {
        let oracle = try Oracle.debian()
        let dir = TestSupport.temporaryDirectory("sums")
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 5551, 65536, (4 << 20) + 17] {
            let path = dir.appendingPathComponent("f\(size)").path
            var bytes = [UInt8](repeating: 0, count: size)
            bytes.withUnsafeMutableBytes { p in
                for i in stride(from: 0, to: size, by: 8) {
                    withUnsafeBytes(of: generator.next()) { r in p[i..<min(i + 8, size)].copyBytes(from: r.prefix(size - i)) }
                }
            }
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let ours = try FileChecksums.compute(path: path, blockBytes: 1 << 20)
            let r = try oracle.python("import sys, zlib, hashlib\nd = open(sys.argv[1], 'rb').read()\nprint('%08x %s' % (zlib.adler32(d), hashlib.sha256(d).hexdigest()))", [path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "\(ours.adler32Hex) \(ours.sha256Hex)", "size \(size)")
            XCTAssertEqual(ours.bytes, size)
        }
        XCTAssertThrowsError(try FileChecksums.compute(path: dir.appendingPathComponent("none").path))
    }

    func testLatestLinkPointsAtTheNewestFileAndRefusesToReplaceAFile() throws {
        let dir = TestSupport.temporaryDirectory("link")
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = LatestLink(directory: dir.path, name: "current")
        try link.point(at: dir.appendingPathComponent("a.h5").path)
        try link.point(at: dir.appendingPathComponent("b.h5").path)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "b.h5")
        let other = LatestLink(directory: dir.path, name: "plain")
        XCTAssertTrue(FileManager.default.createFile(atPath: other.path, contents: Data("x".utf8)))
        XCTAssertThrowsError(try other.point(at: dir.appendingPathComponent("b.h5").path))
        XCTAssertEqual(try String(contentsOfFile: other.path, encoding: .utf8), "x")
    }

    /// The writer only closes a file; the worker fsyncs it and its directory, and only then
    /// writes the sidecar (the file's name "in the catalog sense"). A failed fsync: no sidecar.
    func testTheSidecarAppearsOnlyAfterTheFileAndItsDirectoryAreSynced() throws {
        let dir = TestSupport.temporaryDirectory("durable")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("run_0001.h5").path, bad = dir.appendingPathComponent("run_0002.h5").path
        let synced = dir.appendingPathComponent("run_0003.h5").path
        for p in [good, bad, synced] { XCTAssertTrue(FileManager.default.createFile(atPath: p, contents: Data(repeating: 7, count: 1000))) }
        let steps = Mutex<[String]>([])
        @Sendable func seen(_ step: String, _ p: String) {
            let name = (p as NSString).lastPathComponent
            steps.withLock { $0.append("\(step) \(name), sidecar \(FileManager.default.fileExists(atPath: p + ".json"))") }
        }
        let durability = FileDurability(syncFile: { p in seen("fsync", p); return p == bad ? "Input/output error" : nil },
                                        syncDirectory: { p in seen("fsync dir of", p); return nil })
        let worker = ClosedFileWorker(sidecars: true, onClose: [], durability: durability, logger: Logger(label: "test"))
        worker.start()
        for (p, wasSynced) in [(good, false), (bad, false), (synced, true)] {
            worker.submit(.init(record: FileRecord(path: p, created: 0, messagesBefore: 0), fileMessages: 0, closedAt: Date(),
                                reason: "rotation: requested (SIGHUP)", synced: wasSynced))
        }
        worker.finish(deadline: .now + .seconds(3600))
        XCTAssertEqual(steps.withLock { $0 }, ["fsync run_0001.h5, sidecar false", "fsync dir of run_0001.h5, sidecar false",
                                               "fsync run_0002.h5, sidecar false"],
                       "file, then directory, then the sidecar; a file the writer synced is not synced again")
        XCTAssertTrue(FileManager.default.fileExists(atPath: good + ".json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad + ".json"), "a file whose fsync failed gets no sidecar")
        XCTAssertTrue(FileManager.default.fileExists(atPath: synced + ".json"))
        XCTAssertEqual(worker.sidecarFailures.load(ordering: .relaxed), 1)
        XCTAssertEqual(worker.sidecarsWritten.load(ordering: .relaxed), 2)
    }

    /// The writer's requests are made on the updater's thread; the last one wins, and `finish`
    /// makes it before returning. A file in another output place is linked by absolute path.
    func testTheLatestLinkIsMadeOffTheWriterAndEndsOnTheLastFile() throws {
        let dir = TestSupport.temporaryDirectory("linker")
        defer { try? FileManager.default.removeItem(at: dir) }
        let updater = LatestLinkUpdater(link: LatestLink(directory: dir.path, name: "latest"), logger: Logger(label: "test"))
        updater.start()
        for i in 0..<50 { updater.point(at: dir.appendingPathComponent("run_\(i).h5").path) }
        updater.point(at: "/elsewhere/spill/run_50.h5")
        updater.finish()
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: updater.link.path), "/elsewhere/spill/run_50.h5")
        XCTAssertEqual(LatestLink.target(of: dir.appendingPathComponent("a.h5").path, from: dir.path + "/"), "a.h5")
    }
}
