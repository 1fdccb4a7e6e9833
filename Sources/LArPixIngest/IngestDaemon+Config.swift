import Foundation
import LArPixRaw
import Logging

extension IngestDaemon {
    /// The daemon a configuration describes.
    public convenience init(config c: DaemonConfig, logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) {
        let sources = c.sources.map { s -> SourceReceiver.Settings in
            var g: UInt8? = nil
            if case .ioGroup(let v) = s.tagging { g = v }
            return .init(endpoint: s.endpoint, ioGroup: g, name: s.name, receiveHighWaterMark: s.rcvhwm ?? c.receive.rcvhwm,
                         receiveBufferBytes: c.receive.rcvbuf, maxMessageBytes: c.receive.maxMessageBytes,
                         validation: s.validate ?? c.receive.validate, curve: s.curve)
        }
        let writer = WriterSettings(directory: c.output.directory, append: c.output.append, ioVersion: c.output.ioVersion,
                                    flushInterval: c.flushInterval, rotateMaxBytes: c.rotate.maxBytes,
                                    rotateMaxMessages: c.rotate.maxMessages, rotateMaxSeconds: c.rotate.maxSeconds,
                                    fileOptions: .init(pageSize: c.output.pageSize, orderedFlush: c.output.orderedFlush, exposureWait: c.output.exposureWait, fileMode: 0o640), minFreeBytes: c.output.minFreeBytes)
        let namer = NamerBox(FileNamer(pattern: c.output.filename))
        let directory = c.output.directory, append = c.output.append
        self.init(sources: sources, writer: writer,
                  batch: .init(maxMessages: c.batch.maxMessages, maxBytes: c.batch.maxBytes,
                               maxAgeNanoseconds: UInt64(c.batch.maxAge * 1e9)),
                  bufferMaxBytes: c.bufferMaxBytes,
                  nextPath: { namer.value.next(in: directory, allowExisting: append, reusable: { Self.appendable($0, logger: logger) }) },
                  logger: logger, notifier: notifier, monitoring: MonitoringSettings(config: c))
    }

    /// Process exit status for a start-up failure: 73 (EX_CANTCREAT) when the output file cannot
    /// be created or opened, 78 for a configuration the sockets refuse, 69 when metrics.listen or
    /// tap.listen cannot be bound, 70 otherwise.
    public static func exitCode(for error: Error) -> Int32 {
        if error is RawFileError { return 73 }
        if error is ConfigError { return ConfigError.exitCode }
        if error is ListenError { return ListenError.exitCode }
        return 70
    }
}

/// The file namer is mutable state used only by the writer thread.
private final class NamerBox: @unchecked Sendable {
    var value: FileNamer
    init(_ v: FileNamer) { value = v }
}
