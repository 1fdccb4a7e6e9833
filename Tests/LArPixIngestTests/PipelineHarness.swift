import Foundation
import TestSupport
import LArPixRaw
import Logging
import Synchronization
import ZMQ
@testable import LArPixIngest

/// An in-process daemon writing into a directory, with its log lines captured: for the tests of
/// what the intake refuses and says.
struct PipelineHarness {
    let directory: URL
    let log = LogCapture()

    func daemon(sources: [SourceReceiver.Settings], fileMode: mode_t? = 0o640, controlToken: String? = nil) -> IngestPipeline {
        var seq = 0
        let d = directory
        var settings = WriterSettings(directory: d.path, append: false, ioVersion: "0.0", flushInterval: 0.2,
                                      rotateMaxBytes: 0, rotateMaxMessages: 0, rotateMaxSeconds: 0,
                                      fileOptions: .init(fileMode: fileMode), minFreeBytes: 0)
        settings.stopTimeout = 0.5
        let box = log
        var logger = Logger(label: "test") { _ in CapturingLogHandler(capture: box) }
        logger.logLevel = .info
        return IngestPipeline(sources: sources, writer: settings,
                              batch: .init(maxMessages: 256, maxBytes: 8 << 20, maxAge: .milliseconds(20)),
                              stats: IngestStats(bufferMaxBytes: 256 << 20),
                              nextPath: { _, _ in seq += 1; return d.appendingPathComponent(String(format: "part_%04d.h5", seq)).path },
                              logger: logger, controlToken: controlToken)
    }

    static func source(_ endpoint: String, ioGroup: UInt8?, name: String, maxMessageBytes: Int = 16 << 20,
                       validation: IntakeValidation = .raw, curve: CurveClientKeys? = nil) -> SourceReceiver.Settings {
        .init(endpoint: endpoint, ioGroup: ioGroup, name: name, receiveHighWaterMark: 0, receiveBufferBytes: 0,
              maxMessageBytes: maxMessageBytes, validation: validation, curve: curve)
    }

    /// A PUB on a free loopback port that never drops (no high-water mark).
    static func publisher() throws -> (ZMQSocket, String) {
        let pub = try ZMQSocket(type: .pub)
        try pub.setSendHighWaterMark(0)
        try pub.setLinger(2000)
        try pub.bind("tcp://127.0.0.1:*")
        return (pub, pub.lastEndpoint!)
    }

    var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".h5") }
            .sorted().map { directory.appendingPathComponent($0).path }
    }

    /// Every stored message, file by file, as (io_group, bytes).
    func stored() throws -> [(UInt8, [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        for f in files {
            let c = try RawFile.read(f)
            for (m, g) in zip(c.messages!, c.headers["io_groups"]!) { out.append((UInt8(g), m)) }
        }
        return out
    }

    /// Waits until `condition` holds; a timeout fails the test (and returns false).
    @discardableResult
    static func wait(timeout: Double, file: StaticString = #filePath, line: UInt = #line, until condition: () -> Bool) -> Bool {
        TestSupport.wait("the condition", seconds: timeout, poll: 0.02, file: file, line: line, until: condition)
    }
}

/// Log lines kept in memory, as "level message".
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { capture.append("\(event.level) \(event.message)") }
}
