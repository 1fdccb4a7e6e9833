import Foundation
@testable import HDF5Native
import TestSupport
import XCTest

/// The native reader against files pip's h5py (HDF5 2.x) writes in the test, one per library
/// version bound and storage variant (Tests/oracle/native_cases.py): every message, io_group
/// and /meta attribute must equal what h5py reads back.
final class NativeReaderTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestSupport.temporaryDirectory("native") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The cases native_cases.py made, by name.
    static func makeCases(in dir: URL) throws -> [String] {
        guard let python = TestSupport.h5py2Python else {
            if TestSupport.oracleRequired { XCTFail("LARPIX_H5PY2_PYTHON is not set, but LARPIX_REQUIRE_ORACLE=1") }
            throw XCTSkip("LARPIX_H5PY2_PYTHON not set: run the README's test command for the oracle tests")
        }
        let r = try TestSupport.run(python, [TestSupport.oracleScript("native_cases.py"), dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map(String.init)
    }

    struct Expected {
        var messages: [[UInt8]] = []
        var ioGroups: [UInt8] = []
        var attributes: [String: Any] = [:]
    }

    static func expected(_ path: String) throws -> Expected {
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }
        var e = Expected()
        let n = u32(0)
        var p = 4
        for _ in 0..<n {
            let len = u32(p)
            e.messages.append(Array(b[(p + 4)..<(p + 4 + len)]))
            p += 4 + len
        }
        e.ioGroups = Array(b[p..<(p + n)])
        e.attributes = try JSONSerialization.jsonObject(with: Data(b[(p + n)...])) as? [String: Any] ?? [:]
        return e
    }

    /// Every message of /msgs, read in blocks of `block` rows.
    static func messages(_ d: NativeDataset, block: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var s = 0
        while s < d.count {
            let k = min(block, d.count - s)
            let pins = try d.readVariableLength(start: s, count: k) { _, b in out.append(b.map { Array($0) } ?? []) }
            withExtendedLifetime(pins) {}
            s += k
        }
        return out
    }

    func testFilesFromPipH5pyEveryBoundAndLayout() throws {
        let cases = try Self.makeCases(in: dir)
        XCTAssertTrue(cases.contains("libver_latest") && cases.contains("libver_earliest") && cases.contains("libver_v110"), "\(cases)")
        var indexes: [String: String] = [:]
        for name in cases {
            let p = dir.appendingPathComponent(name + ".h5").path
            let e = try Self.expected(dir.appendingPathComponent(name + ".expect").path)
            let f = try HDF5NativeFile(path: p)
            let msgs = try f.dataset("/msgs"), hdrs = try f.dataset("msg_headers")
            indexes[name] = "superblock \(f.superblock.version), layout \(msgs.layout.version), \(msgs.layout.storage)"
                .replacingOccurrences(of: "HDF5Native.DataLayout.ChunkIndexKind.", with: "")
            for block in [1, 333, 1 << 20] {
                XCTAssertEqual(try Self.messages(msgs, block: block), e.messages, "\(name), blocks of \(block)")
            }
            guard case .compound(let size, let fields) = hdrs.datatype, let io = fields.first(where: { $0.name == "io_groups" }) else {
                return XCTFail("\(name): /msg_headers is not a compound with io_groups")
            }
            let rows = try hdrs.readRows(start: 0, count: hdrs.count)
            XCTAssertEqual((0..<hdrs.count).map { rows[$0 * size + io.offset] }, e.ioGroups, name)
            // Odd windows, crossing chunk boundaries.
            let window = try hdrs.readRows(start: 1023, count: 3)
            XCTAssertEqual(window.count, 3 * size, name)
            for a in try f.object("meta").attributes() {
                switch try a.value(f.context) {
                case .string(let s): XCTAssertEqual(s, e.attributes[a.name] as? String, "\(name) \(a.name)")
                case .double(let d): XCTAssertEqual(d, e.attributes[a.name] as? Double, "\(name) \(a.name)")
                case .integer(let i): XCTAssertEqual(Double(i), e.attributes[a.name] as? Double, "\(name) \(a.name)")
                case .other(let o): XCTFail("\(name) \(a.name): \(o)")
                }
            }
            XCTAssertEqual(try f.object("meta").attributes().count, e.attributes.count, name)
        }
        print("native reader cases (superblock, layout version, storage):", indexes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })
    }

    /// An extensible array deep enough for super blocks and paged data blocks (100,000 chunks
    /// of one row), and a filtered, paged fixed array.
    func testDeepArrayIndexes() throws {
        let cases = try Self.makeCases(in: dir)
        XCTAssertTrue(cases.contains("arrays"))
        let f = try HDF5NativeFile(path: dir.appendingPathComponent("arrays.h5").path)
        for (name, n) in [("ea1", 100_000), ("fa1", 5000)] {
            let d = try f.dataset(name)
            XCTAssertEqual(d.count, n)
            let all = try d.readRows(start: 0, count: n)
            XCTAssertEqual(all, (0..<n).map { UInt8($0 % 251) }, name)
            XCTAssertEqual(try d.readRows(start: n - 1, count: 1), [UInt8((n - 1) % 251)])
        }
        guard case .chunked(_, .extensibleArray, _) = try f.dataset("ea1").layout.storage,
              case .chunked(_, .fixedArray, _) = try f.dataset("fa1").layout.storage else {
            return XCTFail("expected an extensible and a fixed array index")
        }
    }

    func testErrorsNameTheFileAndStructure() throws {
        let p = dir.appendingPathComponent("text.h5").path
        try "not hdf5".write(toFile: p, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HDF5NativeFile(path: p)) { e in
            XCTAssertEqual((e as? NativeHDF5Error)?.kind, .notFound)
            XCTAssertTrue("\(e)".hasPrefix(p + ": superblock:"), "\(e)")
        }
        XCTAssertThrowsError(try HDF5NativeFile(path: p + ".missing")) { XCTAssertEqual(($0 as? NativeHDF5Error)?.kind, .io) }
    }

    func testLookup3MatchesKnownValues() {
        // Bob Jenkins' published values for hashlittle("", 0) and "Four score and seven years ago".
        XCTAssertEqual(Lookup3.hash([]), 0xdeadbeef)
        XCTAssertEqual(Lookup3.hash(Array("Four score and seven years ago".utf8)), 0x17770551)
    }
}
