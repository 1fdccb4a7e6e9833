import Foundation
import Glibc
import Synchronization

/// The client of Tests/oracle/forkserver.py: an oracle Python that has imported h5py and
/// larpix-control once and runs each call in a fork of itself. `TestSupport.run` asks it to run a
/// Python it serves (LARPIX_ORACLE_SERVER serves LARPIX_ORACLE_PYTHON, LARPIX_H5PY2_SERVER serves
/// LARPIX_H5PY2_PYTHON) and spawns the Python itself when it serves none or cannot be reached.
enum ForkServer {

    /// The socket of the server for `executable`, if one is configured.
    static func socket(for executable: String) -> String? {
        let env = ProcessInfo.processInfo.environment
        for (python, server) in [("LARPIX_ORACLE_PYTHON", "LARPIX_ORACLE_SERVER"), ("LARPIX_H5PY2_PYTHON", "LARPIX_H5PY2_SERVER")] {
            if let p = env[python], p == executable, let s = env[server], !s.isEmpty { return s }
        }
        return nil
    }

    /// Runs `python ARGUMENTS` in the server with the given environment, standard input and output
    /// files; the exit status (or the signal that ended it), or nil when the server is unreachable.
    static func run(socket path: String, arguments: [String], environment: [String: String],
                    stdin: URL?, stdout: URL, stderr: URL) -> Int32? {
        let request: [String: Any] = [
            "argv": arguments, "env": environment, "cwd": FileManager.default.currentDirectoryPath,
            "stdin": stdin?.path ?? NSNull(), "stdout": stdout.path, "stderr": stderr.path,
            // The test that asks (swift test --parallel runs each in its own process, named by its arguments).
            "who": CommandLine.arguments.dropFirst().joined(separator: " "),
        ]
        guard var line = try? JSONSerialization.data(withJSONObject: request) else { return nil }
        line.append(UInt8(ascii: "\n"))
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard connect(fd, to: path), writeAll(fd, line), let reply = readAll(fd),
              let obj = try? JSONSerialization.jsonObject(with: reply) as? [String: Int] else {
            warnOnce("the oracle server at \(path) did not answer; running Python directly")
            return nil
        }
        return Int32(obj["status"] ?? obj["signal"] ?? -1)
    }

    private static func connect(_ fd: Int32, to path: String) -> Bool {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                off += n
            }
            return true
        }
    }

    /// The reply: everything until the server closes the connection (when the run has ended).
    private static func readAll(_ fd: Int32) -> Data? {
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 256)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return out.isEmpty ? nil : out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    private static let warned = Mutex(false)

    private static func warnOnce(_ text: String) {
        let first = warned.withLock { w in defer { w = true }; return !w }
        if first { FileHandle.standardError.write(Data("warning: \(text)\n".utf8)) }
    }
}
