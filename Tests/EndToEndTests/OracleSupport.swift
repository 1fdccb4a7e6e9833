import Foundation
import TestSupport
import XCTest

// A copy of Tests/LArPixRawTests/OracleSupport.swift (a test target cannot import another):
// runs Tests/oracle/oracle.py under an oracle Python and parses its JSON-lines output.
struct Oracle {
    let python: String

    /// larpix-control over HDF5 1.10.8, or a skip (a failure when LARPIX_REQUIRE_ORACLE=1).
    static func debian(file: StaticString = #filePath, line: UInt = #line) throws -> Oracle {
        try find(TestSupport.oraclePython, "LARPIX_ORACLE_PYTHON", file: file, line: line)
    }

    /// pip's h5py with HDF5 2.x.
    static func h5py2(file: StaticString = #filePath, line: UInt = #line) throws -> Oracle {
        try find(TestSupport.h5py2Python, "LARPIX_H5PY2_PYTHON", file: file, line: line)
    }

    private static func find(_ p: String?, _ variable: String, file: StaticString, line: UInt) throws -> Oracle {
        if let p { return Oracle(python: p) }
        if TestSupport.oracleRequired {
            XCTFail("\(variable) is not set to a usable Python, but LARPIX_REQUIRE_ORACLE=1", file: file, line: line)
        }
        throw XCTSkip("\(variable) not set: run the README's test command for the oracle tests")
    }

    struct Contents {
        var meta: [String: Any]
        var messages: [[UInt8]]
        var ioGroups: [UInt8]
    }

    func run(_ args: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(python, [TestSupport.oracleScript("oracle.py")] + args)
    }

    /// Runs a Python snippet (h5py is importable) with the given arguments in sys.argv[1:].
    func python(_ script: String, _ args: [String] = []) throws -> TestSupport.ProcessResult {
        try TestSupport.run(python, ["-c", script] + args)
    }

    func read(_ path: String, command: String = "read", extra: [String] = []) throws -> Contents {
        let r = try run([command, path] + extra)
        guard r.status == 0 else { throw OracleError(message: "oracle \(command) failed: \(r.stderr)") }
        var lines = r.stdout.split(separator: "\n").makeIterator()
        guard let first = lines.next(),
              let meta = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] else {
            throw OracleError(message: "oracle printed no metadata")
        }
        var c = Contents(meta: meta, messages: [], ioGroups: [])
        while let l = lines.next() {
            let rec = try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any]
            c.ioGroups.append(UInt8(rec["io_group"] as! Int))
            if let hex = rec["msg"] as? String { c.messages.append(Self.bytes(hex: hex)) }
        }
        return c
    }

    func count(_ path: String) throws -> Int {
        let r = try run(["len", path])
        guard r.status == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw OracleError(message: "oracle len failed: \(r.stderr)")
        }
        return n
    }

    func write(_ path: String, messages: [[UInt8]], ioGroups: [UInt8], version: String? = nil, ioVersion: String? = nil) throws {
        let dir = TestSupport.temporaryDirectory("jsonl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("in.jsonl")
        var text = ""
        for (m, g) in zip(messages, ioGroups) { text += "{\"io_group\": \(g), \"msg\": \"\(String.hex(m))\"}\n" }
        try text.write(to: jsonl, atomically: true, encoding: .utf8)
        var args = ["write", path, "--from-jsonl", jsonl.path]
        if let version { args += ["--version", version] }
        if let ioVersion { args += ["--io-version", ioVersion] }
        let r = try run(args)
        guard r.status == 0 else { throw OracleError(message: "oracle write failed: \(r.stderr)") }
    }

    static func bytes(hex: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(hex.utf8.count / 2)
        var hi: UInt8? = nil
        for c in hex.utf8 {
            let v: UInt8 = c <= 57 ? c - 48 : c - 87
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }
}

struct OracleError: Error, CustomStringConvertible { let message: String; var description: String { message } }
