import Foundation
import TestSupport
import XCTest

/// The oracle server (Tests/oracle/forkserver.py, started by scripts/test.sh) must be
/// indistinguishable from running the Python: same exit status, signal, output and input, and
/// nothing one call does is seen by the next.
final class ForkServerTests: XCTestCase {

    func testAServedCallIsARunOfItsOwn() throws {
        let oracle = try Oracle.debian()
        guard let socket = ProcessInfo.processInfo.environment["LARPIX_ORACLE_SERVER"], !socket.isEmpty else {
            throw XCTSkip("LARPIX_ORACLE_SERVER not set: the oracles run as processes (scripts/test.sh starts the server)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: socket), "the oracle server's socket \(socket) is gone: is it running?")
        // Served, not run: the served interpreter's parent is the server's, not this process.
        let parent = try TestSupport.run(oracle.python, ["-c", "import os; print(os.getppid())"])
        XCTAssertNotEqual(Int32(parent.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), getpid(), "the call did not go to the server")
        let cases: [(String, [String], String?)] = [
            ("import sys; print(sys.argv); print('to stderr', file=sys.stderr)", ["a", "b c"], nil),
            ("import sys; sys.exit(3)", [], nil),
            ("import sys; sys.exit('a message and status 1')", [], nil),
            ("import os; os._exit(5)", [], nil),
            ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", [], nil),
            ("raise ValueError('x')", [], nil),
            ("import sys; print(sys.stdin.read().upper(), end='')", [], "from stdin\n"),
            ("import os; print(os.environ.get('FORKSERVER_TEST'), os.getcwd())", [], nil),
            // C-level writes to the descriptors land in the same files as Python's.
            ("import os; os.write(1, b'fd1 '); os.write(2, b'fd2 '); print('py')", [], nil),
        ]
        for (script, args, stdin) in cases {
            let env = ["FORKSERVER_TEST": "value \(args.count)"]
            let served = try TestSupport.run(oracle.python, ["-c", script] + args, environment: env, stdin: stdin)
            // /usr/bin/env in front: not the served path, so a process of its own.
            let direct = try TestSupport.run("/usr/bin/env", [oracle.python, "-c", script] + args, environment: env, stdin: stdin)
            XCTAssertEqual(served.status, direct.status, script)
            XCTAssertEqual(served.stdout, direct.stdout, script)
            XCTAssertEqual(Self.lastLine(served.stderr), Self.lastLine(direct.stderr), script)
        }
        // Isolation: what one call changes in its interpreter, the next does not see.
        let first = try TestSupport.run(oracle.python, ["-c", "import json, os; json.marker = 1; os.environ['LEAK'] = '1'; print('set')"])
        XCTAssertEqual(first.stdout, "set\n")
        let second = try TestSupport.run(oracle.python, ["-c", "import json, os; print(hasattr(json, 'marker'), 'LEAK' in os.environ)"])
        XCTAssertEqual(second.stdout, "False False\n")
        // A file a script leaves open is closed (and flushed) at its exit, as by the interpreter.
        let dir = TestSupport.temporaryDirectory("forkserver")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("left-open.h5").path
        let write = try TestSupport.run(oracle.python, ["-c", "import h5py, sys; f = h5py.File(sys.argv[1], 'w'); f['x'] = [1, 2, 3]", path])
        XCTAssertEqual(write.status, 0, write.stderr)
        let read = try TestSupport.run(oracle.python, ["-c", "import h5py, sys; print(list(h5py.File(sys.argv[1], 'r')['x'][:]))", path])
        XCTAssertEqual(read.stdout, "[1, 2, 3]\n", read.stderr)
    }

    /// A traceback's frames differ in where the interpreter started; its last line does not.
    private static func lastLine(_ s: String) -> String {
        s.split(separator: "\n").last.map(String.init) ?? ""
    }
}
