import LArPixRaw

/// What the writer reports as it goes, for whatever watches it (the monitoring target: latest
/// link, data tap, file records and sidecars, flush times). Every call comes from the writer
/// thread, in order; an implementation must not block it.
package protocol WriterEvents: AnyObject, Sendable {
    /// A file was opened (`messagesBefore`: rows it already had, when appending; `run`: its run
    /// tag, nil for an untagged file).
    func fileOpened(path: String, created: Double, messagesBefore: Int, run: RunTag?)
    /// A batch is in the current file (appended, not necessarily flushed yet).
    func written(_ batch: Batch)
    /// A flush of the current file took `nanoseconds`.
    func flushed(nanoseconds: UInt64)
    /// The file was closed and fsynced (`error`: closing failed; it may be incomplete).
    /// `modified`: meta/modified as the close wrote it.
    func fileClosed(path: String, messages: Int, modified: Double, reason: CloseReason, error: String?)
}
