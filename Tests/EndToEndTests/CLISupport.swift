import Foundation
import LArPixRaw
import TestSupport
import XCTest

struct CLIError: Error, CustomStringConvertible { let message: String; var description: String { message } }

/// Runs the built `larpix-raw` binary, which sits beside the test bundle after
/// `swift build --build-tests`.
enum CLI {
    static var path: String { TestSupport.product("larpix-raw") }

    /// The binary, or an error saying how to build it.
    static func binary() throws -> String {
        let p = path
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw CLIError(message: "larpix-raw is not built at \(p): run `swift build --build-tests` (the product must be built beside the test bundle) or set LARPIX_BIN_DIR")
        }
        return p
    }

    @discardableResult
    static func run(_ args: [String], stdin: String? = nil) throws -> TestSupport.ProcessResult {
        try TestSupport.run(try binary(), args, stdin: stdin)
    }

    /// A process started in the background, with stdout/stderr going to files.
    final class Background {
        let process = Process()
        let dir = TestSupport.temporaryDirectory("bg")
        var outURL: URL { dir.appendingPathComponent("out") }
        var errURL: URL { dir.appendingPathComponent("err") }

        init(_ executable: String, _ args: [String]) throws {
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = args
            var env = ProcessInfo.processInfo.environment
            env["HDF5_USE_FILE_LOCKING"] = "FALSE"
            process.environment = env
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: dir)
        }

        var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

        /// Waits for exit; kills and throws after `timeout` seconds.
        func wait(timeout: Double) throws -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                if Date() > deadline {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    throw CLIError(message: "\(process.arguments ?? []) did not exit within \(timeout) s; stderr: \(stderr)")
                }
                usleep(10_000)
            }
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// Waits until `condition` holds (polling), or throws after `timeout` seconds.
        func waitFor(_ what: String, timeout: Double, _ condition: () -> Bool) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while !condition() {
                if !process.isRunning { throw CLIError(message: "process exited before \(what); stderr: \(stderr)") }
                if Date() > deadline { throw CLIError(message: "timed out waiting for \(what); stderr: \(stderr)") }
                usleep(20_000)
            }
        }
    }
}

/// Deterministic PACMAN-shaped data messages: header ('D', msg_time, pad, words) plus `words`
/// 16-byte words, with varied sizes and io_groups.
func sampleMessages(_ n: Int, baseTime: UInt32 = 1_700_000_000, seed: Int = 1) -> (messages: [[UInt8]], ioGroups: [UInt8]) {
    var messages: [[UInt8]] = []
    var groups: [UInt8] = []
    for i in 0..<n {
        let words = (i * 7 + seed) % 6
        var m: [UInt8] = [0x44]
        withUnsafeBytes(of: (baseTime + UInt32(i)).littleEndian) { m += $0 }
        m.append(0)
        withUnsafeBytes(of: UInt16(words).littleEndian) { m += $0 }
        for w in 0..<words {
            var word = [UInt8](repeating: 0, count: 16)
            word[0] = [0x44, 0x54, 0x53][(i + w) % 3]  // D, T, S words
            for k in 1..<16 { word[k] = UInt8(truncatingIfNeeded: i &* 31 &+ w &* 7 &+ k &+ seed) }
            m += word
        }
        messages.append(m)
        groups.append(UInt8(i % 3 + 1))
    }
    return (messages, groups)
}

/// The exact text `dump` prints in jsonl form for messages numbered from `first`.
func expectedJSONL(_ messages: ArraySlice<[UInt8]>, _ groups: ArraySlice<UInt8>, headersOnly: Bool = false) -> String {
    var out = ""
    for (i, (m, g)) in zip(messages.indices, zip(messages, groups)) {
        out += headersOnly ? "{\"index\": \(i), \"io_group\": \(g)}\n" : "{\"index\": \(i), \"io_group\": \(g), \"msg\": \"\(String.hex(m))\"}\n"
    }
    return out
}

extension XCTestCase {
    /// Asserts a failed run: the status, and exactly one stderr line `larpix-raw: <subject>: …`.
    func assertFailure(_ r: TestSupport.ProcessResult, status: Int32, subject: String, contains: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, status, "exit status; stderr: \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "expected exactly one stderr line, got: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("larpix-raw: \(subject): "), "stderr should name \(subject): \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Stack dump") || r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        if let contains {
            XCTAssertTrue(r.stderr.contains(contains), "stderr should contain \"\(contains)\": \(r.stderr)", file: file, line: line)
        }
    }

    func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw CLIError(message: "not a JSON object: \(text)")
        }
        return o
    }
}

/// A Python writer that keeps one file open in SWMR mode (h5py, libver latest, the reference
/// layout) and appends BATCHES batches of PER messages, flushing the file and logging what it
/// wrote (dump's jsonl form) to FILE.written.jsonl after each; then closes the file, or with
/// "hang" prints "ready" and sleeps (to be killed).
let swmrWriterScript = #"""
import json, os, sys, time
os.environ['HDF5_USE_FILE_LOCKING'] = 'FALSE'
import h5py
import numpy as np

path, batches, per, pause, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
f = h5py.File(path, 'w', libver='latest')
meta = f.create_group('meta')
now = time.time()
meta.attrs['version'] = '0.0'
meta.attrs['io_version'] = '0.0'
meta.attrs['created'] = now
meta.attrs['modified'] = now
msgs = f.create_dataset('msgs', shape=(0,), maxshape=(None,), chunks=(1024,), compression='gzip',
                        compression_opts=4, dtype=h5py.vlen_dtype(np.dtype('u1')))
hdrs = f.create_dataset('msg_headers', shape=(0,), maxshape=(None,), chunks=(1024,), compression='gzip',
                        compression_opts=4, dtype=np.dtype([('io_groups', 'u1')]))
f.swmr_mode = True
f.flush()
log = open(path + '.written.jsonl', 'w')
n = 0
for b in range(batches):
    ms, gs = [], []
    for k in range(per):
        words = (n * 7) % 5
        body = bytes((n * 31 + j) % 256 for j in range(16 * words))
        ms.append(b'D' + (1700000000 + n).to_bytes(4, 'little') + b'\x00' + words.to_bytes(2, 'little') + body)
        gs.append(n % 4 + 1)
        n += 1
    arr = np.empty(len(ms), dtype=object)
    for i, m in enumerate(ms):
        arr[i] = np.frombuffer(m, dtype='u1')
    start = msgs.shape[0]
    msgs.resize((start + len(ms),))
    msgs[start:] = arr
    h = np.zeros(len(ms), dtype=hdrs.dtype)
    h['io_groups'] = gs
    hdrs.resize((start + len(ms),))
    hdrs[start:] = h
    f.flush()
    for i, m in enumerate(ms):
        log.write(json.dumps({'index': start + i, 'io_group': gs[i], 'msg': m.hex()}) + '\n')
    log.flush()
    print('flushed', start + len(ms), flush=True)
    time.sleep(pause)
if mode == 'hang':
    print('ready', flush=True)
    time.sleep(3600)
f.close()
print('closed', flush=True)
"""#
