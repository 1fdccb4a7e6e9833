import LArPixRaw

/// What the writer reports as it goes, for whatever watches it (the monitoring target: latest
/// link, data tap, file records and sidecars, flush times). Every call comes from the writer
/// thread, in order; an implementation must not block it.
package protocol WriterEvents: AnyObject, Sendable {
    /// Whether closed files are made durable by the watcher (fsync of the file and of its
    /// directory, off the writer thread): then the writer only closes them. False: the writer
    /// fsyncs each file itself at close.
    var syncsClosedFiles: Bool { get }
    /// A file was opened (`messagesBefore`: rows it already had, when appending; `run`: its run
    /// tag, nil for an untagged file).
    func fileOpened(path: String, created: Double, messagesBefore: Int, run: RunTag?)
    /// A batch is in the current file (appended, not necessarily flushed yet).
    func written(_ batch: Batch)
    /// A flush of the current file took `nanoseconds`.
    func flushed(nanoseconds: UInt64)
    /// The file was closed (`error`: closing failed; it may be incomplete). `modified`: meta/modified
    /// as the close wrote it. `synced`: the writer fsynced it; otherwise the watcher must (see
    /// `syncsClosedFiles`).
    func fileClosed(path: String, messages: Int, modified: Double, reason: CloseReason, error: String?, synced: Bool)
}
