import Foundation
import LArPixRaw
import TestSupport
import XCTest

/// More of Tests/oracle/oracle.py: the subcommands the library's exhaustive tests use.
extension Oracle {
    /// Writes messages as the JSON lines oracle.py reads.
    static func writeJSONL(_ url: URL, messages: [[UInt8]], ioGroups: [UInt8]) throws {
        var text = ""
        text.reserveCapacity(messages.reduce(0) { $0 + 2 * $1.count + 32 })
        for (m, g) in zip(messages, ioGroups) { text += "{\"io_group\": \(g), \"msg\": \"\(String.hex(m))\"}\n" }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @discardableResult
    func checked(_ args: [String]) throws -> TestSupport.ProcessResult {
        let r = try run(args)
        guard r.status == 0 else { throw OracleError(message: "oracle \(args.first ?? "") failed (\(r.status)): \(r.stderr)") }
        return r
    }

    /// An odd HDF5 file made with plain h5py (see cmd_make in oracle.py).
    func make(_ path: String, kind: String, version: String? = nil, ioVersion: String? = nil) throws {
        var args = ["make", path, "--kind", kind]
        if let version { args += ["--version", version] }
        if let ioVersion { args += ["--io-version", ioVersion] }
        try checked(args)
    }

    /// Grows /msgs only, by `extra` rows.
    func unequal(_ path: String, extra: Int = 1) throws { try checked(["unequal", path, "--extra", "\(extra)"]) }

    /// larpix-control's len_rawfile.
    func len(_ path: String) throws -> Int {
        let r = try checked(["len", path])
        guard let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw OracleError(message: "oracle len printed \(r.stdout)")
        }
        return n
    }

    /// A group's attributes as h5py sees them: name -> {kind, itemsize, string?, encoding?, value}.
    func attrs(_ path: String, group: String = "meta") throws -> [String: [String: Any]] {
        let r = try checked(["attrs", path, "--group", group])
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]] ?? [:]
    }

    /// Appends under SWMR writing, flushes, and dies with the file open.
    func swmrCrash(_ path: String, messages: [[UInt8]], ioGroups: [UInt8], kill: Bool) throws {
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
    func refTool(_ args: [String]) throws -> TestSupport.ProcessResult { try checked(["ref-tool", "--"] + args) }
}

/// Assertions shared by the library tests.
enum Check {
    /// Runs `body`, which must throw a RawFileError accepted by `matches`, whose description is
    /// one line naming `path`. Returns the error.
    @discardableResult
    static func raw<T>(_ body: @autoclosure () throws -> T, path: String, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line,
                       _ matches: (RawFileError) -> Bool) -> RawFileError? {
        do {
            _ = try body()
            XCTFail("\(what): expected an error, got success", file: file, line: line)
            return nil
        } catch let e as RawFileError {
            XCTAssertTrue(matches(e), "\(what): unexpected error case: \(e)", file: file, line: line)
            oneLine(e, path: path, what, file: file, line: line)
            return e
        } catch {
            XCTFail("\(what): expected RawFileError, got \(type(of: error)): \(error)", file: file, line: line)
            return nil
        }
    }

    static func oneLine(_ e: RawFileError, path: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let d = e.description
        XCTAssertFalse(d.contains("\n") || d.contains("\r"), "\(what): description is not one line: \(d)", file: file, line: line)
        XCTAssertTrue(d.contains(path), "\(what): description does not name \(path): \(d)", file: file, line: line)
        XCTAssertFalse(d.isEmpty, file: file, line: line)
    }
}

/// Deterministic message contents for the tests: message `i` of a run is recognisable.
enum Gen {
    /// A message of `size` bytes whose first 8 bytes are `i` (little-endian) when it has room.
    static func message(_ i: Int, size: Int) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: size)
        var state = UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        for k in 0..<size {
            if k < 8 { m[k] = UInt8(truncatingIfNeeded: UInt64(i) >> (8 * UInt64(k))) } else {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                m[k] = UInt8(truncatingIfNeeded: state)
            }
        }
        return m
    }

    static func messages(_ n: Int, sizes: (Int) -> Int) -> [[UInt8]] { (0..<n).map { message($0, size: sizes($0)) } }
}
