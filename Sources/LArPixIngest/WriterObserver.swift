import Foundation
import LArPixRaw
import Logging
import Synchronization

/// What the writer thread reports as it goes, for the monitoring side: the latest link on each
/// open, the data tap and the file's record after each append, flush durations, and the closed
/// file to the sidecar/on_close worker. Every method runs on the writer thread; what other
/// threads read (totals, rates) is behind a lock taken once per batch or per status tick.
final class WriterObserver: @unchecked Sendable {
    private let stats: IngestStats
    /// Set before the writer starts.
    var tap: DataTap?
    private let latestLink: LatestLink?
    private let closedFiles: ClosedFileWorker?
    private let logger: Logger
    /// Flush durations, to the metrics histogram.
    var flushed: (@Sendable (_ nanoseconds: UInt64) -> Void)?
    /// Extra words for systemd's STATUS= line.
    var statusDetail: (@Sendable () -> String)?

    private var record: FileRecord?
    private var linkFailed = false
    /// Bytes written per io_group since start (message counts are in IngestStats).
    private let writtenBytes = Mutex<[Int]>(Array(repeating: 0, count: 256))
    private let rates = Mutex<Rates>(Rates())

    struct Rates: Sendable {
        var messagesPerSecond = 0.0
        var bytesPerSecond = 0.0
        var lastMessages = 0
        var lastBytes = 0
        var lastTime = DispatchTime.now().uptimeNanoseconds
    }

    init(stats: IngestStats, latestLink: LatestLink?, closedFiles: ClosedFileWorker?, logger: Logger) {
        self.stats = stats
        self.latestLink = latestLink
        self.closedFiles = closedFiles
        self.logger = logger
    }

    var writtenBytesByIOGroup: [Int] { writtenBytes.withLock { $0 } }
    var currentRates: Rates { rates.withLock { $0 } }

    func fileOpened(_ file: RawFileWriter) {
        record = FileRecord(path: file.path, created: file.metadata.created, messagesBefore: file.messageCount)
        guard let latestLink else { return }
        do {
            try latestLink.point(at: file.path)
            linkFailed = false
        } catch {
            if !linkFailed { logger.error("latest link: \(error)") }
            linkFailed = true
        }
    }

    /// A batch is in the file (appended, not necessarily flushed yet).
    func written(_ batch: Batch) {
        let payloads = batch.payloads, groups = batch.ioGroups
        writtenBytes.withLock { totals in
            for i in 0..<payloads.count {
                let bytes = payloads[i].count
                totals[Int(groups[i])] += bytes
                record?.add(bytes: bytes, ioGroup: groups[i])
            }
        }
        record?.addTimes(batch)
        tap?.publish(batch)
    }

    func flushed(nanoseconds: UInt64) { flushed?(nanoseconds) }

    /// The file was closed (and fsynced, unless `error`): its sidecar and on_close follow.
    func fileClosed(_ file: RawFileWriter, reason: String, error: Error?) {
        guard let r = record, r.path == file.path else { return }
        record = nil
        guard let closedFiles, closedFiles.isNeeded else { return }
        closedFiles.submit(.init(record: r, fileMessages: file.messageCount, closedAt: Date(), reason: reason,
                                 closeError: error.map { "\($0)" }))
    }

    /// Called once a second with the status line: updates the rates, returns what to add.
    func statusTick() -> String {
        let now = DispatchTime.now().uptimeNanoseconds
        let m = stats.messagesWritten.load(ordering: .relaxed), b = stats.bytesWritten.load(ordering: .relaxed)
        rates.withLock { r in
            let dt = Double(now &- r.lastTime) / 1e9
            if dt > 0 {
                r.messagesPerSecond = Double(m - r.lastMessages) / dt
                r.bytesPerSecond = Double(b - r.lastBytes) / dt
            }
            (r.lastMessages, r.lastBytes, r.lastTime) = (m, b, now)
        }
        return statusDetail?() ?? ""
    }
}
