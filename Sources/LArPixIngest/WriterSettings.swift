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
    /// Once stopping, how long a failing write is retried before its messages are counted as
    /// lost (so that SIGTERM ends even when the disk is gone).
    var stopRetrySeconds: Double = 10
}
