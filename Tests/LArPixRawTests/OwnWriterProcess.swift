import Foundation
import LArPixRaw
import XCTest

/// This library's RawFileWriter as a separate writer process, for the follower and crash tests:
/// the test binary runs itself with one test selected (`testName`) and a spec in the environment.
enum OwnWriterProcess {
    static let environmentKey = "LARPIX_LIB_TEST_WRITER_SPEC"
    static let testName = "LArPixRawTests.OwnWriterProcessTests/testWriterProcess"

    struct Spec: Codable {
        var path: String
        var ready: String
        var total: Int
        var steps: Int
        var sleep: Double
        var ordered: Bool
        var pageSize: Int
        /// Die by SIGKILL right after the flush of this step (-1: close normally).
        var killAfterStep: Int

        func encoded() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }
    }

    static func size(_ i: Int) -> Int { 24 + 16 * (i % 32) }
    static func group(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i * 5) }

    /// The running test binary (the xctest bundle executable on Linux).
    static var testBinary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// The writer: creates the file, signals ready, appends `total` messages in `steps` batches
    /// with a flush after each (ordered or whole-file), and closes (or is killed after a flush).
    static func run(_ spec: Spec) throws {
        let w = try RawFileWriter.create(spec.path, ioVersion: "0.0",
                                         options: .init(pageSize: spec.pageSize, orderedFlush: spec.ordered))
        try "ready\n".write(toFile: spec.ready, atomically: true, encoding: .utf8)
        let per = (spec.total + spec.steps - 1) / spec.steps
        for s in 0..<spec.steps {
            let lo = s * per, hi = min(spec.total, (s + 1) * per)
            if lo < hi {
                let msgs = (lo..<hi).map { Gen.message($0, size: size($0)) }
                try w.append(messages: msgs, ioGroups: (lo..<hi).map(group))
            }
            try w.flush()
            if s == spec.killAfterStep {
                FileHandle.standardError.write("killing myself after step \(s) (\(hi) messages flushed)\n".data(using: .utf8)!)
                kill(getpid(), SIGKILL)
            }
            Thread.sleep(forTimeInterval: spec.sleep)
        }
        try w.close()
    }
}

final class OwnWriterProcessTests: XCTestCase {
    /// Not a test of its own: the writer process FollowerTests starts. Skipped in a normal run.
    func testWriterProcess() throws {
        guard let text = ProcessInfo.processInfo.environment[OwnWriterProcess.environmentKey] else {
            throw XCTSkip("the writer process of FollowerTests; runs only when they start it")
        }
        let spec = try JSONDecoder().decode(OwnWriterProcess.Spec.self, from: Data(text.utf8))
        try OwnWriterProcess.run(spec)
    }
}
