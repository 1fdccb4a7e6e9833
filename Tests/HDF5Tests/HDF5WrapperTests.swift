import CHDF5
import Foundation
@testable import HDF5
import TestSupport
import XCTest

/// The thin HDF5 wrapper: handle ownership, error reporting, attributes, datasets.
final class HDF5WrapperTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("hdf5") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    final class Counter: @unchecked Sendable { var calls = 0 }

    /// Objects (files, groups, datasets, attributes, types, spaces) open in the whole library.
    /// (H5F_OBJ_ALL, a macro Swift does not import: FILE | DATASET | GROUP | DATATYPE | ATTR.)
    func openObjectCount() -> Int {
        let all = UInt32(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR)
        return Int(H5Fget_obj_count(hid_t(all), all))
    }

    // MARK: Handles

    func testHandleClosesExactlyOnceOnExplicitCloseThenDeinit() throws {
        H5Library.ensure()
        let counter = Counter()
        let id = H5Pcreate(lrp_H5P_FILE_ACCESS())
        XCTAssertGreaterThan(id, 0)
        do {
            let h = H5Handle(id, closer: { counter.calls += 1; return H5Pclose($0) })
            XCTAssertTrue(h.isOpen)
            try h.close()
            XCTAssertFalse(h.isOpen)
            XCTAssertEqual(h.id, -1)
            try h.close()                       // a second close does nothing
            XCTAssertEqual(counter.calls, 1)
        }                                        // deinit: must not close again
        XCTAssertEqual(counter.calls, 1)
        XCTAssertLessThanOrEqual(H5Iis_valid(id), 0)
    }

    func testHandleDeinitClosesOnce() {
        H5Library.ensure()
        let counter = Counter()
        let id = H5Pcreate(lrp_H5P_FILE_ACCESS())
        do { _ = H5Handle(id, closer: { counter.calls += 1; return H5Pclose($0) }) }
        XCTAssertEqual(counter.calls, 1)
        XCTAssertLessThanOrEqual(H5Iis_valid(id), 0)
    }

    func testFailedCloseIsReportedOnceAndNotRetried() {
        let counter = Counter()
        do {
            let h = H5Handle(123_456_789, closer: { _ in counter.calls += 1; return -1 })
            XCTAssertThrowsError(try h.close("close a fake object")) { e in
                XCTAssertEqual((e as? H5Error)?.operation, "close a fake object")
            }
            XCTAssertFalse(h.isOpen)
        }
        XCTAssertEqual(counter.calls, 1)
    }

    func testWrappersCloseEverythingTheyOpen() throws {
        let baseline = openObjectCount()
        let p = path("objs.h5")
        do {
            let f = try H5File.create(p)
            let g = try f.root.createGroup("g")
            try g.attributes.writeDouble("x", 1)
            let d = try f.root.createDataset("d", type: .uint8LE, chunk: 16, gzipLevel: nil)
            XCTAssertEqual(openObjectCount(), baseline + 3)   // file, group, dataset
            let fileID = f.id, groupID = g.id, dsID = d.id
            try d.close()
            try g.close()
            XCTAssertLessThanOrEqual(H5Iis_valid(dsID), 0)
            XCTAssertLessThanOrEqual(H5Iis_valid(groupID), 0)
            try f.close()
            XCTAssertFalse(f.handle.isOpen)
            XCTAssertLessThanOrEqual(H5Iis_valid(fileID), 0)
            try f.close()
            try d.close()
        }   // deinits run here; nothing may be closed twice or left open
        XCTAssertEqual(openObjectCount(), baseline)
        do {
            let f = try H5File.open(p, mode: .readOnly)
            let d = try f.root.openDataset("d")
            let g = try f.root.openGroup("g")
            XCTAssertEqual(try g.attributes.readDouble("x"), 1)
            XCTAssertEqual(try d.count(), 0)
            XCTAssertEqual(openObjectCount(), baseline + 3)
            // No explicit close: deinit closes all three.
        }
        XCTAssertEqual(openObjectCount(), baseline)
    }

    // MARK: Errors

    /// Runs `body` with file descriptor 2 redirected into a temporary file; returns what was written.
    func capturingStderr(_ body: () throws -> Void) rethrows -> String {
        let capture = path("stderr-\(UUID().uuidString)")
        fflush(nil)
        let saved = dup(2)
        let fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(saved >= 0 && fd >= 0)
        dup2(fd, 2)
        close(fd)
        defer {
            fflush(nil)
            dup2(saved, 2)
            close(saved)
        }
        try body()
        fflush(nil)
        return (try? String(contentsOfFile: capture, encoding: .utf8)) ?? "<unreadable>"
    }

    /// A batch of failing calls, each of which must throw an H5Error with a non-empty stack.
    static func failingCalls(in p: String, missing: String) -> [String] {
        var problems: [String] = []
        func expect(_ what: String, _ body: () throws(H5Error) -> Void, contains: String) {
            do {
                try body()
                problems.append("\(what): no error")
            } catch {
                if error.stack.isEmpty { problems.append("\(what): empty stack") }
                if !error.stack.lowercased().contains(contains) { problems.append("\(what): stack lacks \(contains): \(error.stack)") }
                if error.description.contains("\n") { problems.append("\(what): description not one line: \(error.description)") }
            }
        }
        expect("open missing", { () throws(H5Error) in _ = try H5File.open(missing, mode: .readOnly) }, contains: "unable to open file")
        expect("create existing", { () throws(H5Error) in _ = try H5File.create(p) }, contains: "unable to")
        expect("missing dataset", { () throws(H5Error) in
            let f = try H5File.open(p, mode: .readOnly)
            _ = try f.root.openDataset("nope")
        }, contains: "not found")
        expect("missing attribute", { () throws(H5Error) in
            let f = try H5File.open(p, mode: .readOnly)
            _ = try f.root.openGroup("g").attributes.readDouble("nope")
        }, contains: "attribute")
        expect("read past the end", { () throws(H5Error) in
            let f = try H5File.open(p, mode: .readOnly)
            let d = try f.root.openDataset("d")
            var buf = [UInt8](repeating: 0, count: 10)
            try d.read(into: &buf, memType: .nativeUInt8, start: 5, count: 10)
        }, contains: "selection")
        expect("write to a read-only file", { () throws(H5Error) in
            let f = try H5File.open(p, mode: .readOnly)
            try f.root.openGroup("g").attributes.writeDouble("y", 2)
        }, contains: "no write intent")
        return problems
    }

    func makeSmallFile(_ p: String) throws {
        let f = try H5File.create(p)
        let g = try f.root.createGroup("g")
        try g.attributes.writeDouble("x", 1)
        let d = try f.root.createDataset("d", type: .uint8LE, chunk: 16, gzipLevel: 4)
        try d.setCount(8)
        let bytes: [UInt8] = Array(0..<8)
        try d.write(bytes, memType: .nativeUInt8, start: 0, count: 8)
        try d.close(); try g.close(); try f.close()
    }

    func testErrorsComeBackAsH5ErrorWithNothingOnStderr() throws {
        let p = path("small.h5")
        try makeSmallFile(p)
        var problems: [String] = []
        let missing = path("missing.h5")
        let printed = capturingStderr { problems = Self.failingCalls(in: p, missing: missing) }
        XCTAssertEqual(problems, [])
        XCTAssertEqual(printed, "", "HDF5 printed to stderr on the main thread")
    }

    /// Debian's HDF5 is thread-safe, so its error stacks (and their print-to-stderr default) are
    /// per thread: other threads must be silenced too (the daemon writes on its own thread).
    func testNothingOnStderrFromOtherThreads() throws {
        let p = path("small.h5")
        try makeSmallFile(p)
        final class Box: @unchecked Sendable {
            let lock = NSLock()
            var problems: [String] = []
            func add(_ p: [String]) { lock.lock(); problems += p; lock.unlock() }
        }
        let box = Box()
        let missing = path("missing.h5")
        let printed = capturingStderr {
            for _ in 0..<3 {
                let done = DispatchSemaphore(value: 0)
                let t = Thread { box.add(Self.failingCalls(in: p, missing: missing)); done.signal() }
                t.start()
                done.wait()
            }
            let group = DispatchGroup()
            for _ in 0..<4 {
                DispatchQueue.global().async(group: group) { box.add(Self.failingCalls(in: p, missing: missing)) }
            }
            group.wait()
        }
        XCTAssertEqual(box.problems, [])
        XCTAssertEqual(printed, "", "HDF5 printed to stderr from another thread")
    }

    func testOneLineErrorText() {
        XCTAssertEqual(H5Error.oneLine("a\n, b"), "a , b")
        XCTAssertEqual(H5Error.oneLine("unable to open file: time = Wed\n, name = 'x'"), "unable to open file: time = Wed , name = 'x'")
        XCTAssertEqual(H5Error.oneLine("plain"), "plain")
        XCTAssertEqual(H5Error.oneLine("a  \n\n  b\r\nc"), "a b c")
        // By HDF5's numbers, not its words.
        XCTAssertTrue(H5Error(operation: "open", stack: "anything", codes: [.init(.objectHeader, .version)]).isNewerFormat)
        XCTAssertTrue(H5Error(operation: "open", stack: "", codes: [.init(.objectHeader, .badMessage)]).isNewerFormat)
        XCTAssertFalse(H5Error(operation: "open", stack: "bad version number for layout message (H5O__layout_decode)").isNewerFormat)
        XCTAssertFalse(H5Error(operation: "open", stack: "", codes: [.init(.file, .cantOpenFile)]).isNewerFormat)
        XCTAssertTrue(H5Error(operation: "open", stack: "", codes: [.init(.datatype, .cantLoad, function: "H5O_dtype_decode_helper")]).isNewerFormat)
        XCTAssertFalse(H5Error(operation: "read", stack: "", codes: [.init(.cache, .cantLoad, function: "H5C__load_entry")]).isNewerFormat,
                       "metadata not yet in a live file is not a newer format")
        XCTAssertTrue(H5Library.version.hasPrefix("1.10"), H5Library.version)
    }

    func testIsHDF5() throws {
        let p = path("small.h5")
        try makeSmallFile(p)
        XCTAssertTrue(try H5File.isHDF5(p))
        let t = path("t.txt")
        try "hello, this is not HDF5".write(toFile: t, atomically: true, encoding: .utf8)
        XCTAssertFalse(try H5File.isHDF5(t))
        XCTAssertThrowsError(try H5File.isHDF5(path("missing"))) { XCTAssertTrue($0 is H5Error) }
    }

    // MARK: Attributes

    func testAttributeRoundTripsOurs() throws {
        let p = path("attrs.h5")
        do {
            let f = try H5File.create(p)
            let g = try f.root.createGroup("meta")
            let a = g.attributes
            try a.writeString("vlen", "0.0")
            try a.writeString("unicode", "h\u{e9}llo \u{2713}")
            try a.writeString("empty", "")
            try a.writeDouble("f64", 1_700_000_000.123456)
            try a.writeDouble("neg", -0.5)
            // Rewrites: a string is replaced, a double is written in place.
            try a.writeString("vlen", "0.10")
            try a.writeDouble("neg", -1.25)
            XCTAssertEqual(try a.readString("vlen"), "0.10")
            XCTAssertEqual(try a.readString("unicode"), "h\u{e9}llo \u{2713}")
            XCTAssertEqual(try a.readString("empty"), "")
            XCTAssertEqual(try a.readDouble("f64"), 1_700_000_000.123456)
            XCTAssertEqual(try a.readDouble("neg"), -1.25)
            XCTAssertEqual(Set(try a.names()), ["vlen", "unicode", "empty", "f64", "neg"])
            XCTAssertTrue(try a.exists("f64"))
            XCTAssertFalse(try a.exists("nope"))
            XCTAssertEqual(try a.typeClass("vlen"), H5T_STRING)
            XCTAssertEqual(try a.typeClass("f64"), H5T_FLOAT)
            XCTAssertEqual(try a.elementCount("f64"), 1)
            XCTAssertThrowsError(try a.readString("f64"))
            XCTAssertThrowsError(try a.readDouble("vlen"))
            try g.close(); try f.close()
        }
        // Reopened, read-only.
        let f = try H5File.open(p, mode: .readOnly)
        let a = try f.root.openGroup("meta").attributes
        XCTAssertEqual(try a.readString("vlen"), "0.10")
        XCTAssertEqual(try a.readDouble("f64"), 1_700_000_000.123456)
        try f.close()

        // h5py sees variable-length UTF-8 strings and float64, as larpix-control writes them.
        guard let python = TestSupport.oraclePython else {
            if TestSupport.oracleRequired { XCTFail("LARPIX_ORACLE_PYTHON not set") }
            return
        }
        let r = try TestSupport.run(python, [TestSupport.oracleScript("oracle.py"), "attrs", p, "--group", "meta"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let attrs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(attrs["vlen"]?["string"] as? String, "vlen")
        XCTAssertEqual(attrs["vlen"]?["encoding"] as? String, "utf-8")
        XCTAssertEqual(attrs["vlen"]?["value"] as? String, "0.10")
        XCTAssertEqual(attrs["unicode"]?["value"] as? String, "h\u{e9}llo \u{2713}")
        XCTAssertEqual(attrs["f64"]?["kind"] as? String, "f")
        XCTAssertEqual(attrs["f64"]?["itemsize"] as? Int, 8)
        XCTAssertEqual(attrs["f64"]?["value"] as? Double, 1_700_000_000.123456)
        XCTAssertEqual(attrs["neg"]?["value"] as? Double, -1.25)
    }

    func testAttributesWrittenByH5py() throws {
        guard let python = TestSupport.oraclePython else {
            if TestSupport.oracleRequired { XCTFail("LARPIX_ORACLE_PYTHON not set") }
            throw XCTSkip("LARPIX_ORACLE_PYTHON not set")
        }
        let p = path("h5py-attrs.h5")
        let r = try TestSupport.run(python, [TestSupport.oracleScript("oracle.py"), "make", p, "--kind", "attrs"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let f = try H5File.open(p, mode: .readOnly)
        let a = try f.root.openGroup("g").attributes
        XCTAssertEqual(try a.readString("fixed"), "hello")          // numpy 'S5', null-padded
        XCTAssertEqual(try a.readString("fixed_empty"), "")
        XCTAssertEqual(try a.readString("spacepad"), "ab")          // 'ab    ', space-padded
        XCTAssertEqual(try a.readString("vlen"), "h\u{e9}llo \u{2713}")
        XCTAssertEqual(try a.readDouble("f64"), 1234567890.125)
        XCTAssertEqual(try a.readDouble("i32"), -7)                 // converted by HDF5
        XCTAssertEqual(try a.elementCount("f64_array"), 3)
        // An array attribute is refused by the scalar readers (reading it would overrun).
        XCTAssertThrowsError(try a.readDouble("f64_array")) { e in
            XCTAssertTrue((e as? H5Error)?.stack.contains("3 elements") ?? false, "\(e)")
        }
        XCTAssertThrowsError(try a.readString("f64"))
        XCTAssertEqual(Set(try a.names()), ["fixed", "fixed_empty", "spacepad", "vlen", "f64", "i32", "f64_array"])
        try f.close()
    }

    // MARK: Datasets

    func testDatasetExtendWriteRead() throws {
        let p = path("ds.h5")
        let f = try H5File.create(p)
        let bytes = try f.root.createDataset("bytes", type: .uint8LE, chunk: 4, gzipLevel: 4)
        XCTAssertEqual(try bytes.count(), 0)
        let (dims, maxdims) = try bytes.space().extent()
        XCTAssertEqual(dims, [0])
        XCTAssertEqual(maxdims.count, 1)
        XCTAssertNil(maxdims[0], "max shape must be unlimited")
        var all: [UInt8] = []
        for step in 0..<5 {
            let chunk = (0..<(3 + step)).map { UInt8(truncatingIfNeeded: step * 40 + $0) }
            let start = try bytes.count()
            try bytes.setCount(start + chunk.count)
            try bytes.write(chunk, memType: .nativeUInt8, start: start, count: chunk.count)
            all += chunk
            XCTAssertEqual(try bytes.count(), all.count)
        }
        try bytes.write([UInt8](), memType: .nativeUInt8, start: 0, count: 0)   // no-op
        var back = [UInt8](repeating: 0, count: all.count)
        try bytes.read(into: &back, memType: .nativeUInt8, start: 0, count: all.count)
        XCTAssertEqual(back, all)
        var mid = [UInt8](repeating: 0, count: 4)
        try bytes.read(into: &mid, memType: .nativeUInt8, start: 5, count: 4)
        XCTAssertEqual(mid, Array(all[5..<9]))

        // Variable-length sequences of uint8 (the raw format's /msgs) with reclaim.
        let vlenFile = try H5Datatype.vlen(of: .uint8LE)
        let vlenMem = try H5Datatype.vlen(of: .nativeUInt8)
        let msgs = try f.root.createDataset("msgs", type: vlenFile, chunk: 1024, gzipLevel: 4)
        let payload: [[UInt8]] = [[], [1], Array(repeating: 7, count: 1000), [0, 255]]
        let flat = payload.flatMap { $0 }
        try flat.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            var off = 0
            var d: [hvl_t] = []
            for m in payload {
                d.append(hvl_t(len: m.count, p: m.isEmpty ? nil : UnsafeMutableRawPointer(mutating: raw.baseAddress! + off)))
                off += m.count
            }
            try msgs.setCount(payload.count)
            try msgs.write(d, memType: vlenMem, start: 0, count: d.count)
        }
        var out = [hvl_t](repeating: hvl_t(len: 0, p: nil), count: payload.count)
        try msgs.read(into: &out, memType: vlenMem, start: 0, count: payload.count)
        let got = out.map { Array(UnsafeRawBufferPointer(start: $0.p, count: $0.len)) }
        H5Dataset.reclaimVariableLength(&out, memType: vlenMem, count: out.count)
        XCTAssertEqual(got, payload)
        XCTAssertEqual(try msgs.type().typeClass, H5T_VLEN)
        XCTAssertTrue(try msgs.type().superType().isUnsignedInteger(bytes: 1))

        // Compound { io_groups: uint8 }.
        let cfile = try H5Datatype.compound(size: 1, fields: [("io_groups", 0, .uint8LE)])
        let hdr = try f.root.createDataset("hdr", type: cfile, chunk: 1024, gzipLevel: 4)
        try hdr.setCount(3)
        try hdr.write([UInt8]([9, 8, 7]), memType: try .compound(size: 1, fields: [("io_groups", 0, .nativeUInt8)]), start: 0, count: 3)
        let fields = try hdr.type().compoundFields()
        XCTAssertEqual(fields.map(\.name), ["io_groups"])
        XCTAssertTrue(fields[0].type.isUnsignedInteger(bytes: 1))
        try hdr.flush()
        try f.flush()
        XCTAssertGreaterThan(f.size, 0)

        // Shrinking works, and a read beyond the extent is an error, not garbage.
        try bytes.setCount(4)
        var tooMany = [UInt8](repeating: 0, count: 8)
        XCTAssertThrowsError(try bytes.read(into: &tooMany, memType: .nativeUInt8, start: 0, count: 8))
        try bytes.close(); try msgs.close(); try hdr.close(); try f.close()

        // Reopened with SWMR read: the same contents.
        let r = try H5File.open(p, mode: .swmrRead)
        let b2 = try r.root.openDataset("bytes")
        try b2.refresh()
        XCTAssertEqual(try b2.count(), 4)
        var first4 = [UInt8](repeating: 0, count: 4)
        try b2.read(into: &first4, memType: .nativeUInt8, start: 0, count: 4)
        XCTAssertEqual(first4, Array(all[0..<4]))
        XCTAssertTrue(try r.root.exists("msgs"))
        XCTAssertEqual(try r.root.kind(of: "msgs"), .dataset)
        XCTAssertFalse(try r.root.exists("nope"))
        try b2.close(); try r.close()
    }

    func superblockFlags(_ p: String) throws -> UInt8 {
        let h = try XCTUnwrap(FileHandle(forReadingAtPath: p))
        defer { try? h.close() }
        let b = [UInt8](try XCTUnwrap(h.read(upToCount: 12)))
        XCTAssertEqual(b[8], 3, "superblock version 3 expected (libver latest on 1.10)")
        return b[11]
    }

    func testSWMRWriteMarksTheSuperblockUntilClose() throws {
        let p = path("swmr.h5")
        let f = try H5File.create(p)
        let g = try f.root.createGroup("meta")
        XCTAssertEqual(try f.root.kind(of: "meta"), .group)
        let d = try f.root.createDataset("d", type: .uint8LE, chunk: 16, gzipLevel: nil)
        try f.startSWMRWrite()
        try d.setCount(3)
        try d.write([UInt8]([1, 2, 3]), memType: .nativeUInt8, start: 0, count: 3)
        try f.flush()
        XCTAssertEqual(try superblockFlags(p), 0x05, "write + SWMR-write flags while open")
        try d.close(); try g.close(); try f.close()
        XCTAssertEqual(try superblockFlags(p), 0)
        let again = try H5File.open(p, mode: .swmrWrite)
        XCTAssertEqual(try again.root.openDataset("d").count(), 3)
        XCTAssertEqual(try superblockFlags(p), 0x05)
        try again.close()
        XCTAssertEqual(try superblockFlags(p), 0)
        let r = try H5File.open(p, mode: .swmrRead)
        XCTAssertEqual(try r.root.openDataset("d").count(), 3)
        try r.close()
    }
}
