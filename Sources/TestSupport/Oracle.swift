import Foundation
import XCTest

/// Runs Tests/oracle/oracle.py under an oracle Python (larpix-control over Debian's h5py with
/// HDF5 1.10.8, or pip's h5py with HDF5 2.x) and parses its JSON-lines output. Shared by the
/// test targets, which cannot import one another.
public struct Oracle {

    public let python: String
    public init(python: String) { self.python = python }

    /// larpix-control over HDF5 1.10.8, or a skip (a failure when LARPIX_REQUIRE_ORACLE=1).
    public static func debian(file: StaticString = #filePath, line: UInt = #line) throws -> Oracle {
        try find(TestSupport.oraclePython, "LARPIX_ORACLE_PYTHON", file: file, line: line)
    }

    /// pip's h5py with HDF5 2.x.
    public static func h5py2(file: StaticString = #filePath, line: UInt = #line) throws -> Oracle {
        try find(TestSupport.h5py2Python, "LARPIX_H5PY2_PYTHON", file: file, line: line)
    }

    private static func find(_ p: String?, _ variable: String, file: StaticString, line: UInt) throws -> Oracle {
        if let p { return Oracle(python: p) }
        if TestSupport.oracleRequired {
            XCTFail("\(variable) is not set to a usable Python, but LARPIX_REQUIRE_ORACLE=1", file: file, line: line)
        }
        throw XCTSkip("\(variable) not set: run the README's test command for the oracle tests")
    }

    public struct Contents {
        public var meta: [String: Any]
        public var messages: [[UInt8]]
        public var ioGroups: [UInt8]
    }

    public func run(_ args: [String]) throws -> TestSupport.ProcessResult {
        try TestSupport.run(python, [TestSupport.oracleScript("oracle.py")] + args)
    }

    /// Runs a Python snippet (h5py is importable) with the given arguments in sys.argv[1:].
    public func python(_ script: String, _ args: [String] = []) throws -> TestSupport.ProcessResult {
        try TestSupport.run(python, ["-c", script] + args)
    }

    public func read(_ path: String, command: String = "read", extra: [String] = []) throws -> Contents {
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

    public func count(_ path: String) throws -> Int {
        let r = try run(["len", path])
        guard r.status == 0, let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw OracleError(message: "oracle len failed: \(r.stderr)")
        }
        return n
    }

    public func write(_ path: String, messages: [[UInt8]], ioGroups: [UInt8], version: String? = nil, ioVersion: String? = nil) throws {
        let dir = TestSupport.temporaryDirectory("jsonl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("in.jsonl")
        try Self.writeJSONL(jsonl, messages: messages, ioGroups: ioGroups)
        var args = ["write", path, "--from-jsonl", jsonl.path]
        if let version { args += ["--version", version] }
        if let ioVersion { args += ["--io-version", ioVersion] }
        let r = try run(args)
        guard r.status == 0 else { throw OracleError(message: "oracle write failed: \(r.stderr)") }
    }

    /// The bytes of lowercase hex, through pointers (per character through Array appends this
    /// was most of some tests' own CPU in a debug build).
    public static func bytes(hex: String) -> [UInt8] {
        var hex = hex
        return hex.withUTF8 { u in
            [UInt8](unsafeUninitializedCapacity: u.count / 2) { out, count in
                guard let s = u.baseAddress, let o = out.baseAddress else { count = 0; return }
                var i = 0   // a while loop: a range's iterator is a call per byte in a debug build
                while i < u.count / 2 {
                    let h = s[2 * i], l = s[2 * i + 1]
                    o[i] = (h <= 57 ? h &- 48 : h &- 87) << 4 | (l <= 57 ? l &- 48 : l &- 87)
                    i += 1
                }
                count = u.count / 2
            }
        }
    }

    // MARK: The subcommands the library's exhaustive tests use

    /// Writes messages as the JSON lines oracle.py reads.
    public static func writeJSONL(_ url: URL, messages: [[UInt8]], ioGroups: [UInt8]) throws {
        var text = ""
        text.reserveCapacity(messages.reduce(0) { $0 + 2 * $1.count + 32 })
        for (m, g) in zip(messages, ioGroups) { text += "{\"io_group\": \(g), \"msg\": \"\(String.hex(m))\"}\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @discardableResult
    public func checked(_ args: [String]) throws -> TestSupport.ProcessResult {
        let r = try run(args)
        guard r.status == 0 else { throw OracleError(message: "oracle \(args.first ?? "") failed (\(r.status)): \(r.stderr)") }
        return r
    }

    /// An odd HDF5 file made with plain h5py (see cmd_make in oracle.py).
    public func make(_ path: String, kind: String, version: String? = nil, ioVersion: String? = nil) throws {
        var args = ["make", path, "--kind", kind]
        if let version { args += ["--version", version] }
        if let ioVersion { args += ["--io-version", ioVersion] }
        try checked(args)
    }

    /// Grows /msgs only, by `extra` rows.
    public func unequal(_ path: String, extra: Int = 1) throws { try checked(["unequal", path, "--extra", "\(extra)"]) }

    /// larpix-control's len_rawfile.
    public func len(_ path: String) throws -> Int {
        let r = try checked(["len", path])
        guard let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw OracleError(message: "oracle len printed \(r.stdout)")
        }
        return n
    }

    /// A group's attributes as h5py sees them: name -> {kind, itemsize, string?, encoding?, value}.
    public func attrs(_ path: String, group: String = "meta") throws -> [String: [String: Any]] {
        let r = try checked(["attrs", path, "--group", group])
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]] ?? [:]
    }

    /// Appends under SWMR writing, flushes, and dies with the file open.
    public func swmrCrash(_ path: String, messages: [[UInt8]], ioGroups: [UInt8], kill: Bool) throws {
        let dir = TestSupport.temporaryDirectory("jsonl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jsonl = dir.appendingPathComponent("in.jsonl")
        try Self.writeJSONL(jsonl, messages: messages, ioGroups: ioGroups)
        let r = try run(["swmr-crash", path, "--from-jsonl", jsonl.path] + (kill ? ["--kill"] : []))
        // Killed by SIGKILL (status 9 as a signal) or exited 0 through os._exit.
        guard r.stdout.hasPrefix("flushed") else {
            throw OracleError(message: "swmr-crash did not flush (\(r.status)): \(r.stderr)")
        }
    }

    /// larpix-control's raw_hdf5_tool.py.
    public func refTool(_ args: [String]) throws -> TestSupport.ProcessResult { try checked(["ref-tool", "--"] + args) }
}

public struct OracleError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
