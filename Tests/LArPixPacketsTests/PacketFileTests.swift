import Foundation
import HDF5
import LArPixRaw
import TestSupport
import XCTest
@testable import LArPixPackets

/// The packet file's own rules: no overwrite, append only to a 2.4 packet file, and the
/// daemon's closed-file entry point (complete or absent, never half-written).
final class PacketFileTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("packetfile") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func rawFile(_ name: String, count: Int, seed: UInt64) throws -> String {
        print("seed \(seed) (\(name))")
        var cases = PacketCases(seed: seed)
        let (ms, gs) = cases.messages(count)
        let w = try RawFileWriter.create(path(name), ioVersion: "0.0")
        try w.append(messages: ms, ioGroups: gs)
        try w.close()
        return path(name)
    }

    func testRefusesToOverwriteAndAppendsOnlyTo24PacketFiles() throws {
        let raw = try rawFile("binary-a.h5", count: 50, seed: 3)
        let first = try PacketConverter.convert([raw], to: path("p.h5"))
        XCTAssertThrowsError(try PacketConverter.convert([raw], to: path("p.h5"))) { e in
            XCTAssertEqual((e as? PacketConversionError)?.exitCode, 18)
        }
        let again = try PacketConverter.convert([raw], to: path("p.h5"), mode: .append)
        XCTAssertEqual(again.rowsBefore, first.rowsAfter)
        XCTAssertEqual(again.rowsAfter, 2 * first.rowsAfter)
        let replaced = try PacketConverter.convert([raw], to: path("p.h5"), mode: .replace)
        XCTAssertEqual(replaced.rowsAfter, first.rowsAfter)
        XCTAssertThrowsError(try PacketConverter.convert([raw], to: raw, mode: .replace)) { e in
            XCTAssertEqual((e as? PacketConversionError)?.exitCode, 2, "\(e)")
        }
        // A raw file is HDF5 but no packet file; a 2.3 file is refused (exit 15).
        XCTAssertThrowsError(try PacketConverter.convert([raw], to: try rawFile("other.h5", count: 1, seed: 4), mode: .append)) { e in
            XCTAssertEqual((e as? PacketConversionError)?.exitCode, 13, "\(e)")
        }
        let f = try H5File.open(path("p.h5"), mode: .readWrite, latestFormat: false)
        try f.root.openGroup("_header").attributes.writeString("version", "2.3")
        try f.close()
        XCTAssertThrowsError(try PacketConverter.convert([raw], to: path("p.h5"), mode: .append)) { e in
            XCTAssertEqual((e as? PacketConversionError)?.exitCode, 15, "\(e)")
        }
    }

    /// The chunk of `packets` is h5py's guess for to_file's first block, whether its rows were
    /// all held before the output was made or counted in a second pass.
    func testChunkOfTheFirstBlockWhetherHeldOrCounted() throws {
        let raw = try rawFile("many.h5", count: 12_000, seed: 8)
        var small = PacketConverter.Options()
        small.heldRowsCap = 100
        let a = try PacketConverter.convert([raw], to: path("held.h5"))
        let b = try PacketConverter.convert([raw], to: path("counted.h5"), options: small)
        XCTAssertEqual(a.rowsAfter, b.rowsAfter)
        var firstBlockRows = 0
        let r = try RawFileReader(path: raw)
        for m in try r.readMessages(start: 0, count: PacketConverter.referenceBlockMessages).messages {
            if case .convert(let n, _) = m.withUnsafeBytes({ MessageDecoder.check($0) }) { firstBlockRows += n }
        }
        try r.close()
        let expected = ChunkGuess.rows(forInitialRows: firstBlockRows, rowBytes: 36)
        for name in ["held.h5", "counted.h5"] {
            let f = try H5File.open(path(name), mode: .readOnly, latestFormat: false)
            XCTAssertEqual(try f.root.openDataset("packets").chunkLength(), expected, name)
            try f.close()
        }
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("held.h5")).count,
                       try Data(contentsOf: dir.appendingPathComponent("counted.h5")).count)
    }

    func testClosedFileAppearsCompleteUnderTheTwoByTwoName() throws {
        let raw = try rawFile("binary-0001-2026_12_01.h5", count: 200, seed: 5)
        let out = dir.appendingPathComponent("packets")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let s = try PacketConverter.convertClosedFile(raw: raw, intoDirectory: out.path)
        XCTAssertEqual(s.output, out.appendingPathComponent("packet-0001-2026_12_01.h5").path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["packet-0001-2026_12_01.h5"])
        let plain = try PacketConverter.convert([raw], to: path("plain.h5"))
        XCTAssertEqual(s.rowsAfter, plain.rowsAfter)
        XCTAssertEqual(s.packets, plain.packets)
        // Again: the packet file exists, so it is refused and nothing is left behind.
        XCTAssertThrowsError(try PacketConverter.convertClosedFile(raw: raw, intoDirectory: out.path))
        // A raw file that is no raw file: refused, nothing left in the directory.
        _ = FileManager.default.createFile(atPath: path("binary-bad.h5"), contents: Data("not hdf5".utf8))
        XCTAssertThrowsError(try PacketConverter.convertClosedFile(raw: path("binary-bad.h5"), intoDirectory: out.path)) { e in
            XCTAssertEqual((e as? PacketConversionError)?.exitCode, 12, "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["packet-0001-2026_12_01.h5"])
    }

    func testRowsOfALiveFileUpToItsLastCompleteRow() throws {
        // A writer that has appended and flushed but not closed: the file is marked open.
        print("seed 11")
        var cases = PacketCases(seed: 11)
        let (ms, gs) = cases.messages(120)
        let w = try RawFileWriter.create(path("live.h5"), ioVersion: "0.0")
        try w.append(messages: Array(ms.prefix(80)), ioGroups: Array(gs.prefix(80)))
        try w.flush()
        let s = try PacketConverter.convert([path("live.h5")], to: path("p.h5"))
        XCTAssertEqual(s.messages, 80)
        try w.append(messages: Array(ms.suffix(40)), ioGroups: Array(gs.suffix(40)))
        try w.close()
        let all = try PacketConverter.convert([path("live.h5")], to: path("all.h5"))
        XCTAssertEqual(all.messages, 120)
    }
}
