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
    /// From the stop (SIGTERM) on, how long writing may go on, in all: retries of a failing write
    /// and the drain itself. What is left then is counted as lost (write_failed), so that SIGTERM
    /// ends in bounded time whatever the buffer holds and the disk does. One budget for the stop.
    var stopTimeout: Double = 60
    /// Flush as soon as the input has been idle this long (0 = only by interval and size).
    var idleFlush: Double = 0.1
    /// Nice levels the writer thread runs above the process (0 = none): ThreadPriority.
    var priority = 0
    /// A board silent on heartbeats this long is logged (HeartbeatWatch); nil: not watched.
    var heartbeatTimeout: Double? = nil

    /// An open file not written for this long gets its mtime set to now, so that a watcher's "no
    /// change for 30 s means complete" (the 2x2 nearline's rule) never fires on an open file.
    var touchInterval: Double = 5

    /// The run at start, the subrun policy, and what follows a stop-run.
    var run = RunConfig()
    /// output.directories: the places to write, in order (empty: `directory` alone).
    var directories: [String] = []
    /// Come back to an earlier place once it has room again (output.return_to_first).
    var returnToFirst = true

    var places: [String] { directories.isEmpty ? [directory] : directories }

    var rotation: RotationPolicy {
        RotationPolicy(maxMessages: rotateMaxMessages, maxBytes: rotateMaxBytes, maxSeconds: rotateMaxSeconds)
    }

    /// output.embed_configs (nil: none).
    var configs: ConfigArchive? = nil

    /// The files these settings describe.
    var files: RawFileWriters { RawFileWriters(append: append, ioVersion: ioVersion, options: fileOptions, configs: configs) }
}
