import LArPixRaw

/// What the writer thread needs to know about files: where they go, when they rotate, how they
/// are flushed.
struct WriterSettings: Sendable {
    var directory: String
    /// Append to an existing file of the chosen name instead of starting a new one.
    var append: Bool
    var ioVersion: String
    var flushInterval: Double
    /// 0 = off for each limit.
    var rotateMaxBytes: Int
    var rotateMaxMessages: Int
    var rotateMaxSeconds: Double
    var fileOptions: RawFileWriter.Options
    /// Warn when the output filesystem has less free space than this.
    var minFreeBytes: Int
    /// Once stopping, how long failing writes are retried, in all, before what is left is counted
    /// as lost (so that SIGTERM ends even when the disk is gone). One budget for the whole stop.
    var stopRetrySeconds: Double = 10

    var rotation: RotationPolicy {
        RotationPolicy(maxMessages: rotateMaxMessages, maxBytes: rotateMaxBytes, maxSeconds: rotateMaxSeconds)
    }

    /// The files these settings describe.
    var files: RawFileWriters { RawFileWriters(append: append, ioVersion: ioVersion, options: fileOptions) }
}
