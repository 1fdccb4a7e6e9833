import Foundation
import LArPixRaw
import Logging
import Synchronization

extension IngestPipeline {
    /// The data path a configuration describes; `events` is what watches the writer.
    package convenience init(config c: DaemonConfig, stats: IngestStats, logger: Logger,
                             notifier: SystemdNotifier = SystemdNotifier(), events: (any WriterEvents)? = nil) {
        var files = FileNamer(pattern: c.output.filename)
        if !c.output.latestLink.isEmpty { files.reserved = [c.output.latestLink] }
        let namer = Mutex(files)
        let append = c.output.append
        var writer = Self.writerSettings(c)
        if !c.output.embedConfigs.isEmpty { writer.configs = ConfigArchive(directory: c.output.embedConfigs, logger: logger) }
        self.init(sources: c.sources.map { Self.receiverSettings($0, receive: c.receive, quality: c.quality) }, writer: writer,
                  batch: .init(maxMessages: c.batch.maxMessages, maxBytes: c.batch.maxBytes,
                               maxAge: .seconds(c.batch.maxAge)),
                  stats: stats,
                  nextPath: { directory, tag in
                      namer.withLock { $0.next(in: directory, run: tag, allowExisting: append,
                                               reusable: { FileNamer.appendable($0, logger: logger) }) }
                  },
                  logger: logger, notifier: notifier, events: events,
                  // An unreadable token file matches no request (never none needed).
                  controlToken: c.control.tokenFile.isEmpty ? nil : ((try? ControlToken.read(c.control.tokenFile)) ?? UUID().uuidString),
                  receiverThreads: c.receive.threads)
    }

    /// The data path alone (no monitoring), as tests and tools run it.
    public convenience init(config c: DaemonConfig, logger: Logger) {
        self.init(config: c, stats: IngestStats(bufferMaxBytes: c.bufferMaxBytes), logger: logger)
    }

    static func receiverSettings(_ s: DaemonConfig.Source, receive: DaemonConfig.Receive,
                                 quality: DaemonConfig.Quality = .init()) -> SourceReceiver.Settings {
        var g: UInt8? = nil
        if case .ioGroup(let v) = s.tagging { g = v }
        return .init(endpoint: s.endpoint, ioGroup: g, name: s.name, receiveHighWaterMark: s.rcvhwm ?? receive.rcvhwm,
                     receiveBufferBytes: receive.rcvbuf, maxMessageBytes: receive.maxMessageBytes,
                     validation: s.validate ?? receive.validate, curve: s.curve,
                     qualityTimeJumpSeconds: quality.enabled ? quality.timeJumpSeconds : nil)
    }

    static func writerSettings(_ c: DaemonConfig) -> WriterSettings {
        var s = WriterSettings(directory: c.output.directory, append: c.output.append, ioVersion: c.output.ioVersion,
                               flushInterval: c.flushInterval, rotateMaxBytes: c.rotate.maxBytes,
                               rotateMaxMessages: c.rotate.maxMessages, rotateMaxSeconds: c.rotate.maxSeconds,
                               fileOptions: .init(pageSize: c.output.pageSize, orderedFlush: c.output.orderedFlush,
                                                  exposureWait: c.output.exposureWait, fileMode: 0o640),
                               minFreeBytes: c.output.minFreeBytes, stopTimeout: c.stopTimeout, idleFlush: c.idleFlush,
                               heartbeatTimeout: c.quality.enabled ? c.quality.heartbeatTimeout : nil, run: c.run)
        s.directories = c.output.directories
        s.returnToFirst = c.output.returnToFirst
        s.priority = c.writerPriority
        return s
    }
}
