import Foundation
import LArPixIngest
import LArPixRaw
import Logging
import Synchronization

/// The monitoring side's answer to the writer's events: the latest link on each open, the data
/// tap and the file's record after each append, flush durations to the metrics, and the closed
/// file to the sidecar/on_close worker. Every call comes from the writer thread.
final class WriterObserver: WriterEvents {
    private let tap: DataTap?
    private let latestLink: LatestLinkUpdater?
    private let closedFiles: ClosedFileWorker?
    private let metrics: DaemonMetrics?
    private let logger: Logger
    /// The open file's record; writer thread only, behind a lock so that the type is plainly
    /// Sendable (never contended).
    private let state = Mutex<FileRecord?>(nil)

    init(tap: DataTap?, latestLink: LatestLinkUpdater?, closedFiles: ClosedFileWorker?, metrics: DaemonMetrics?, logger: Logger) {
        self.tap = tap
        self.latestLink = latestLink
        self.closedFiles = closedFiles
        self.metrics = metrics
        self.logger = logger
    }

    /// The closed-file worker fsyncs each closed file and its directory, off the writer thread.
    var syncsClosedFiles: Bool { closedFiles != nil }

    func fileOpened(path: String, created: Double, messagesBefore: Int, run: RunTag?) {
        state.withLock { $0 = FileRecord(path: path, created: created, messagesBefore: messagesBefore, run: run) }
        latestLink?.point(at: path)
    }

    func written(_ batch: Batch) {
        if closedFiles != nil {
            state.withLock { s in
                s?.add(batch)
            }
        }
        tap?.publish(batch)
    }

    func flushed(nanoseconds: UInt64) { metrics?.recordFlush(nanoseconds: nanoseconds) }

    func fileClosed(path: String, messages: Int, modified: Double, reason: CloseReason, error: String?, synced: Bool) {
        let record = state.withLock { s -> FileRecord? in defer { s = nil }; return s }
        guard let closedFiles else { return }
        // Without its record (cannot happen: every close follows its open) the file is still synced.
        var r = record.flatMap { $0.path == path ? $0 : nil } ?? FileRecord(path: path, created: 0, messagesBefore: 0)
        r.modified = modified
        closedFiles.submit(.init(record: r, fileMessages: messages, closedAt: Date(), reason: "\(reason)", closeError: error,
                                 synced: synced))
    }
}
