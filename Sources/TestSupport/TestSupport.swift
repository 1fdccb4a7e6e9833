import Foundation
import XCTest

/// Helpers shared by the test targets: temporary directories, subprocesses, and the Python
/// oracles (larpix-control over Debian's h5py / HDF5 1.10.8, and pip's h5py / HDF5 2.x).
public enum TestSupport {
    /// A fresh directory under the system temp dir, removed by the caller's teardown.
    public static func temporaryDirectory(_ label: String = "larpix") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The package root (where Package.swift is), found from this file's path.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    public struct ProcessResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs an executable to completion and captures its output (files, not pipes, so large
    /// outputs never block).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           stdin: String? = nil) throws -> ProcessResult {
        let dir = temporaryDirectory("proc")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["HDF5_USE_FILE_LOCKING"] = "FALSE"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        var inURL: URL? = nil
        if let stdin {
            inURL = dir.appendingPathComponent("in")
            try stdin.write(to: inURL!, atomically: true, encoding: .utf8)
        }
        func result(_ status: Int32) -> ProcessResult {
            ProcessResult(status: status,
                          stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
        if let socket = ForkServer.socket(for: executable),
           let status = ForkServer.run(socket: socket, arguments: arguments, environment: env,
                                       stdin: inURL, stdout: out, stderr: err) {
            return result(status)
        }
        try Data().write(to: out)  // what an unreachable server may have begun
        try Data().write(to: err)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = try inURL.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return result(p.terminationStatus)
    }

    /// Python with larpix-control over Debian's h5py (HDF5 1.10.8): `LARPIX_ORACLE_PYTHON`.
    public static var oraclePython: String? { existing(ProcessInfo.processInfo.environment["LARPIX_ORACLE_PYTHON"]) }
    /// Python with pip's h5py (bundled HDF5 2.x) and larpix-control: `LARPIX_H5PY2_PYTHON`.
    public static var h5py2Python: String? { existing(ProcessInfo.processInfo.environment["LARPIX_H5PY2_PYTHON"]) }
    /// When set (the README's test command sets it), a missing oracle fails tests instead of skipping them.
    public static var oracleRequired: Bool { ProcessInfo.processInfo.environment["LARPIX_REQUIRE_ORACLE"] == "1" }

    /// What a test needs is missing (a binary, root, a tool): a skip saying why on a developer's
    /// machine, a failure where everything is required (LARPIX_REQUIRE_ORACLE=1, as CI sets it).
    public static func unavailable(_ why: String, file: StaticString = #filePath, line: UInt = #line) -> XCTSkip {
        if oracleRequired { XCTFail("required but unavailable: \(why)", file: file, line: line) }
        return XCTSkip(why)
    }

    /// Waits until `condition` holds, failing the test (naming `what`) when `seconds` pass first.
    @discardableResult
    public static func wait(_ what: @autoclosure () -> String, seconds: Double = 30, poll: Double = 0.01,
                            file: StaticString = #filePath, line: UInt = #line, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            if Date() >= deadline {
                XCTFail("timed out after \(seconds) s waiting for \(what())", file: file, line: line)
                return false
            }
            Thread.sleep(forTimeInterval: poll)
        }
        return true
    }

    private static func existing(_ p: String?) -> String? {
        guard let p, !p.isEmpty, FileManager.default.isExecutableFile(atPath: p) else { return nil }
        return p
    }

    /// Path of a script in Tests/oracle.
    public static func oracleScript(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/oracle/\(name)").path
    }

    /// The directory holding the built products (larpix-raw, larpix-rawd), next to the test bundle.
    public static var productsDirectory: URL {
        if let p = ProcessInfo.processInfo.environment["LARPIX_BIN_DIR"] { return URL(fileURLWithPath: p) }
        // The test bundle is built beside the products (.build/<triple>/debug).
        var candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        candidates.append(packageRoot.appendingPathComponent(".build/debug"))
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("larpix-rawd").path) {
            return c
        }
        return candidates[0]
    }

    public static func product(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }
}

extension TestSupport {
    /// Whether two files hold the same bytes, compared a MiB at a time with memcmp
    /// (FileManager.contentsEqual compares element by element: seconds for the hundreds of MB
    /// that the live-reader tests compare).
    public static func filesEqual(_ a: String, _ b: String) throws -> Bool {
        let x = try FileHandle(forReadingFrom: URL(fileURLWithPath: a)), y = try FileHandle(forReadingFrom: URL(fileURLWithPath: b))
        defer { try? x.close(); try? y.close() }
        while true {
            let u = try x.read(upToCount: 1 << 20) ?? Data(), v = try y.read(upToCount: 1 << 20) ?? Data()
            guard u == v else { return false }   // Data's == is a memcmp
            if u.isEmpty { return true }
        }
    }
}

extension String {
    /// Lowercase hex of bytes, as `larpix-raw dump --format jsonl` prints them.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        if let s = bytes.withContiguousStorageIfAvailable({ hex(UnsafeRawBufferPointer($0)) }) { return s }
        return hex(Array(bytes))
    }

    /// Through pointers into the string's own storage: per byte through Array appends, this was
    /// seconds of a debug build's CPU for the tests that compare megabytes as hex.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count, initializingUTF8With: { out in
            let digits: StaticString = "0123456789abcdef"
            let d = digits.utf8Start, o = out.baseAddress!
            let input = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var i = 0   // a while loop: a range's iterator is a call per byte in a debug build
            while i < bytes.count {
                let b = input![i]
                o[2 * i] = d[Int(b >> 4)]
                o[2 * i + 1] = d[Int(b & 15)]
                i += 1
            }
            return 2 * bytes.count
        })
    }
}
