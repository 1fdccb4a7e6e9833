import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// RawFileTools.merge / split against larpix-control's raw_hdf5_tool.py.
final class MergeSplitTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("mergesplit") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    struct Input { var path: String; var messages: [[UInt8]]; var groups: [Int] }

    /// Three inputs with io_version 0.0: ours, larpix-control's, ours again (one empty).
    func inputs(_ oracle: Oracle) throws -> [Input] {
        var out: [Input] = []
        let a = Gen.messages(300, sizes: { 24 + 16 * ($0 % 9) })
        let ga = (0..<300).map { $0 % 7 }
        let pa = path("a.h5")
        let w = try RawFileWriter.create(pa, ioVersion: "0.0", now: 1_700_000_100.25, created: 1_700_000_000.5)
        try w.append(messages: a, ioGroups: ga.map(UInt8.init))
        w.updatesModified = false
        try w.close()
        out.append(Input(path: pa, messages: a, groups: ga))
        Thread.sleep(forTimeInterval: 0.01)
        let b = (0..<200).map { Gen.message(1000 + $0, size: 8 + $0) }
        let gb = (0..<200).map { 255 - $0 % 256 }
        let pb = path("b.h5")
        try oracle.write(pb, messages: b, ioGroups: gb.map(UInt8.init), ioVersion: "0.0")
        out.append(Input(path: pb, messages: b, groups: gb))
        let pe = path("empty.h5")
        try RawFile.write(pe, ioVersion: "0.0")
        out.append(Input(path: pe, messages: [], groups: []))
        let c = (0..<50).map { Gen.message(5000 + $0, size: 1000) }
        let pc = path("c.h5")
        try RawFile.write(pc, messages: c, headers: ["io_groups": Array(repeating: 3, count: 50)], ioVersion: "0.0")
        out.append(Input(path: pc, messages: c, groups: Array(repeating: 3, count: 50)))
        return out
    }

    func testMergeKeepsFirstMetadataAndMatchesTheReference() throws {
        let oracle = try Oracle.debian()
        let ins = try inputs(oracle)
        let ours = path("merged.h5"), theirs = path("merged-ref.h5")
        var progress: [(Int, Int)] = []
        let n = try RawFileTools.merge(ins.map(\.path), into: ours) { progress.append(($0, $1)) }
        let allMsgs = ins.flatMap(\.messages), allGroups = ins.flatMap(\.groups)
        XCTAssertEqual(n, allMsgs.count)
        XCTAssertEqual(progress.last?.0, allMsgs.count)
        XCTAssertEqual(progress.last?.1, allMsgs.count)
        _ = try oracle.refTool(["--merge", "-i"] + ins.map(\.path) + ["-o", theirs])

        let first = try RawFile.read(ins[0].path)
        XCTAssertEqual(first.created, 1_700_000_000.5)
        XCTAssertEqual(first.modified, 1_700_000_100.25)
        let m = try RawFile.read(ours)
        let ref = try RawFile.read(theirs)
        for c in [m, ref] {
            XCTAssertEqual(c.created, first.created)
            XCTAssertEqual(c.modified, first.modified)
            XCTAssertEqual(c.version, first.version)
            XCTAssertEqual(c.ioVersion, first.ioVersion)
            XCTAssertEqual(c.messages, allMsgs)
            XCTAssertEqual(c.headers["io_groups"], allGroups)
        }
        XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(ours))
        // larpix-control reads our merge, and h5py sees the same attribute types it wrote.
        let viaRef = try oracle.read(ours)
        XCTAssertEqual(viaRef.messages, allMsgs)
        XCTAssertEqual(viaRef.meta["created"] as? Double, first.created)
        XCTAssertEqual(viaRef.meta["modified"] as? Double, first.modified)
        let attrs = try oracle.attrs(ours), refAttrs = try oracle.attrs(theirs)
        XCTAssertEqual(Set(attrs.keys), Set(refAttrs.keys))
        for k in attrs.keys { XCTAssertEqual(attrs[k]?["kind"] as? String, refAttrs[k]?["kind"] as? String, k) }

        // A single input merges into a copy of itself.
        let single = path("single.h5")
        try RawFileTools.merge([ins[1].path], into: single)
        let s = try RawFile.read(single), src = try RawFile.read(ins[1].path)
        XCTAssertEqual(s, src)
    }

    func testMergeRefusesDifferingVersionsBeforeCreatingOutput() throws {
        let oracle = try Oracle.debian()
        let ins = try inputs(oracle)
        let otherIO = path("io01.h5")
        try RawFile.write(otherIO, messages: [[1]], ioVersion: "0.1")
        let noIO = path("noio.h5")
        try RawFile.write(noIO, messages: [[1]])
        let otherVersion = path("v01.h5")
        try oracle.make(otherVersion, kind: "raw", version: "0.1", ioVersion: "0.0")
        let cases: [(String, String)] = [(otherIO, "io_version"), (noIO, "io_version"), (otherVersion, "version")]
        for (bad, what) in cases {
            let out = path("never-\(what)-\((bad as NSString).lastPathComponent)")
            let e = Check.raw(try RawFileTools.merge([ins[0].path, ins[1].path, bad], into: out), path: bad, "merge with \(bad)") {
                if case .versionRefused(_, what, _, _) = $0 { return true } else { return false }
            }
            XCTAssertEqual(e?.exitCode, 15)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "merge created its output before refusing")
        }
        // Bad inputs of other kinds are refused before the output exists, too.
        let out = path("never.h5")
        Check.raw(try RawFileTools.merge([ins[0].path, path("missing.h5")], into: out), path: path("missing.h5"), "missing input") {
            if case .notFound = $0 { return true } else { return false }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        Check.raw(try RawFileTools.merge([], into: out), path: out, "no inputs") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        // The output must not exist (unless overwrite), and may never be an input.
        Check.raw(try RawFileTools.merge([ins[0].path], into: ins[1].path), path: ins[1].path, "existing output") {
            if case .exists = $0 { return true } else { return false }
        }
        XCTAssertEqual(try RawFile.read(ins[1].path).messages, ins[1].messages)
        Check.raw(try RawFileTools.merge([ins[0].path, ins[1].path], into: ins[1].path, overwrite: true), path: ins[1].path, "output is an input") {
            if case .invalidArgument = $0 { return true } else { return false }
        }
        XCTAssertEqual(try RawFile.read(ins[1].path).messages, ins[1].messages)
        let replaced = path("replace.h5")
        try RawFile.write(replaced, messages: [[7, 7]])
        try RawFileTools.merge([ins[3].path], into: replaced, overwrite: true)
        XCTAssertEqual(try RawFile.read(replaced).messages, ins[3].messages)
    }

    func testSplitNamesSizesContentAndReferenceReads() throws {
        let oracle = try Oracle.debian()
        let input = path("RUN.h5")
        // Sizes from 24 B to 4 KiB, plus one message larger than the limit.
        var msgs = Gen.messages(600, sizes: { 24 + ($0 * 37) % 4000 })
        msgs[300] = Gen.message(300, size: 70_000)
        let groups = (0..<600).map { ($0 * 13) % 256 }
        let w = try RawFileWriter.create(input, ioVersion: "0.0", now: 1_700_000_200, created: 1_700_000_100)
        w.updatesModified = false
        try w.append(messages: msgs, ioGroups: groups.map(UInt8.init))
        try w.close()
        let md = try RawFile.read(input, headersOnly: true)

        let maxBytes = 50_000
        let outDir = path("parts")
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let parts = try RawFileTools.split(input, maxBytes: maxBytes, into: outDir)
        XCTAssertGreaterThan(parts.count, 5)
        XCTAssertEqual(parts.map { ($0 as NSString).lastPathComponent }, parts.indices.map { "RUN.\($0).h5" })

        var concat: [[UInt8]] = [], concatGroups: [Int] = []
        var partContents: [[[UInt8]]] = []
        for p in parts {
            let c = try RawFile.read(p)
            let bytes = c.messages!.reduce(0) { $0 + $1.count }
            XCTAssertFalse(c.messages!.isEmpty, "\(p) is empty")
            XCTAssertTrue(bytes <= maxBytes || c.messages!.count == 1, "\(p) holds \(bytes) message bytes")
            XCTAssertEqual(c.created, md.created)
            XCTAssertEqual(c.modified, md.modified)
            XCTAssertEqual(c.version, md.version)
            XCTAssertEqual(c.ioVersion, md.ioVersion)
            XCTAssertFalse(SuperblockFlags.isMarkedOpenForWriting(p))
            concat += c.messages!
            concatGroups += c.headers["io_groups"]!
            partContents.append(c.messages!)
            // larpix-control reads every part.
            let theirs = try oracle.read(p)
            XCTAssertEqual(theirs.messages, c.messages)
            XCTAssertEqual(theirs.ioGroups.map(Int.init), c.headers["io_groups"])
        }
        XCTAssertEqual(concat, msgs)
        XCTAssertEqual(concatGroups, groups)
        // Greedy: a part ends only where the next message would not fit.
        for i in 0..<(partContents.count - 1) {
            let bytes = partContents[i].reduce(0) { $0 + $1.count }
            XCTAssertGreaterThan(bytes + partContents[i + 1][0].count, maxBytes, "part \(i) could have taken another message")
        }
        // The oversized message sits alone.
        XCTAssertTrue(partContents.contains { $0 == [msgs[300]] })

        // No limit: one part equal to the input.
        let one = path("one")
        try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
        let single = try RawFileTools.split(input, maxBytes: 0, into: one)
        XCTAssertEqual(single.map { ($0 as NSString).lastPathComponent }, ["RUN.0.h5"])
        XCTAssertEqual(try RawFile.read(single[0]), try RawFile.read(input))
        // Existing parts are not overwritten; a missing output directory is refused.
        Check.raw(try RawFileTools.split(input, maxBytes: 0, into: one), path: single[0], "existing part") {
            if case .exists = $0 { return true } else { return false }
        }
        Check.raw(try RawFileTools.split(input, maxBytes: 0, into: path("missing-dir")), path: path("missing-dir"), "missing dir") {
            if case .notWritable = $0 { return true } else { return false }
        }

        // The reference names its parts the same way (NAME.0.h5, NAME.1.h5, ...) and its parts
        // concatenate to the input too (its limit is on file size, checked per block).
        let refDir = path("refparts")
        try FileManager.default.createDirectory(atPath: refDir, withIntermediateDirectories: true)
        _ = try oracle.refTool(["--split", "-i", input, "-o", refDir, "--max_length", "1", "--block_size", "100"])
        let refParts = try FileManager.default.contentsOfDirectory(atPath: refDir).sorted {
            Int($0.split(separator: ".")[1])! < Int($1.split(separator: ".")[1])!
        }
        XCTAssertEqual(refParts, (0..<6).map { "RUN.\($0).h5" })
        var refConcat: [[UInt8]] = []
        for name in refParts {
            let c = try RawFile.read((refDir as NSString).appendingPathComponent(name))
            XCTAssertEqual(c.created, md.created)
            refConcat += c.messages!
        }
        XCTAssertEqual(refConcat, msgs)
    }

    func testSplitOfAnEmptyFileAndMergeBack() throws {
        let input = path("EMPTY.h5")
        try RawFile.write(input, ioVersion: "0.0")
        let out = path("p")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let parts = try RawFileTools.split(input, maxBytes: 100, into: out)
        XCTAssertEqual(parts.count, 1)
        XCTAssertEqual(try RawFile.count(parts[0]), 0)

        // Split then merge gives the input back, metadata included.
        let big = path("BIG.h5")
        let msgs = Gen.messages(1000, sizes: { 100 + $0 % 300 })
        try RawFile.write(big, messages: msgs, headers: ["io_groups": (0..<1000).map { $0 % 256 }], ioVersion: "0.0")
        let out2 = path("p2")
        try FileManager.default.createDirectory(atPath: out2, withIntermediateDirectories: true)
        let parts2 = try RawFileTools.split(big, maxBytes: 10_000, into: out2)
        let back = path("back.h5")
        try RawFileTools.merge(parts2, into: back)
        XCTAssertEqual(try RawFile.read(back), try RawFile.read(big))
    }
}
