import Foundation
import LArPixIngest
import Logging
import Synchronization

/// What happens to a file after the writer has closed it, on a thread of its own so the writer
/// never waits: the fsync of the file and of its directory (unless the writer did it), then
/// checksums and the sidecar `FILE.json`, then the `on_close` command with the file's path as
/// its last argument. Files are handled one at a time, in close order, so a transfer script sees
/// them in the order they were written, each with its sidecar; a file whose fsync failed is
/// not handed on (no sidecar, no on_close), and says so in the log. Stopping, the work counts
/// against the stop's one budget (`finish(deadline:)`).
// @unchecked Sendable: the job queue and flags are under `condition`; the rest is immutable or atomic.
final class ClosedFileWorker: @unchecked Sendable {
    struct Job: Sendable {
        var record: FileRecord
        var fileMessages: Int
        var closedAt: Date
        var reason: String
        var closeError: String?
        /// The writer fsynced the file; false: this worker does (`FileDurability`), first.
        var synced = true
    }

    let writesSidecars: Bool
    /// Program and arguments; the file's path is appended. Empty: no command.
    let onClose: [String]
    /// Namespace, application and the other site fields of the catalog records.
    let catalog: CatalogRecord.Settings
    let sidecarsWritten = Atomic<Int>(0)
    let sidecarFailures = Atomic<Int>(0)
    let onCloseFailures = Atomic<Int>(0)
    /// Packet files made, packets in them, and conversions that failed (packets.enabled).
    let packetFiles = Atomic<Int>(0)
    let packetsWritten = Atomic<Int>(0)
    let packetFailures = Atomic<Int>(0)
    /// nil: no packet files.
    let packets: PacketConversion?
    private let durability: FileDurability
    private let logger: Logger
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var busy = false
    private var finishing = false
    /// When stopping: the end of the stop's budget. A conversion or on_close still running then
    /// is stopped or left; files still waiting get their fsync and sidecar, and the rest is logged.
    private var stopDeadline: ContinuousClock.Instant?
    private let thread = WorkerThread()

    init(sidecars: Bool, onClose: [String], packets: PacketConversion? = nil, durability: FileDurability = .fsync,
         catalog: CatalogRecord.Settings = .init(), logger: Logger) {
        writesSidecars = sidecars
        self.durability = durability
        self.onClose = onClose
        self.catalog = catalog
        self.packets = packets
        self.logger = logger
    }

    /// Starts the worker's thread (once).
    func start() {
        thread.spawn(name: "larpix-rawd closed files") { [self] in run() }
    }

    func submit(_ job: Job) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Handles every submitted file, then ends the thread. Past `deadline` (the end of the stop's
    /// budget) a running conversion is stopped and an on_close command left running, each logged;
    /// files still waiting then get only what makes them safe and catalogued (fsync, sidecar).
    func finish(deadline: ContinuousClock.Instant) {
        condition.lock()
        finishing = true
        stopDeadline = deadline
        condition.broadcast()
        condition.unlock()
        thread.join()
    }

    private var currentStopDeadline: ContinuousClock.Instant? {
        condition.lock(); defer { condition.unlock() }
        return stopDeadline
    }

    private var pastStopDeadline: Bool { currentStopDeadline.map { ContinuousClock.now >= $0 } ?? false }

    /// Files closed and not yet handled (for tests and status).
    var pending: Int {
        condition.lock(); defer { condition.unlock() }
        return jobs.count + (busy ? 1 : 0)
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finishing { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            busy = true
            condition.unlock()
            handle(job)
            condition.lock()
            busy = false
            condition.unlock()
        }
    }

    private func handle(_ job: Job) {
        let path = job.record.path
        if !job.synced {
            do { try durability.make(path) } catch {
                sidecarFailures.wrappingAdd(1, ordering: .relaxed)
                logger.error("closed file \(error); it may not survive a power cut, so it gets no sidecar and no on_close")
                return
            }
        }
        if writesSidecars {
            do {
                let sums = try FileChecksums.compute(path: path)
                try FileSidecar.write(FileSidecar.json(record: job.record, fileMessages: job.fileMessages, closedAt: job.closedAt,
                                                       reason: job.reason, closeError: job.closeError, checksums: sums,
                                                       catalog: catalog), for: path)
                sidecarsWritten.wrappingAdd(1, ordering: .relaxed)
                logger.debug("sidecar \(FileSidecar.path(for: path)): sha256 \(sums.sha256Hex)")
            } catch {
                sidecarFailures.wrappingAdd(1, ordering: .relaxed)
                logger.error("cannot write the sidecar of \(path): \(error)")
            }
        }
        let late = pastStopDeadline
        if late, let p = packets {
            logger.warning("packet file of \(path) not made: the stop's budget (stop_timeout) ran out first; `\(p.converter) convert \(path) -o \(p.packetPath(forRaw: path))` makes it")
        }
        let packetFile = late ? nil : packets.flatMap { convert(path, with: $0, job: job) }
        guard !onClose.isEmpty else { return }
        // Never started past the stop's budget (a conversion may have run into it).
        guard !pastStopDeadline else {
            logger.warning("on_close not run for \(path): the stop's budget (stop_timeout) ran out first")
            return
        }
        // on_close after everything of this file is done: the raw file, then its packet file.
        runCommand(for: path)
        if let packetFile { runCommand(for: packetFile) }
    }

    /// The packet file of a closed raw file and its sidecar; nil when the conversion failed.
    private func convert(_ raw: String, with conversion: PacketConversion, job: Job) -> String? {
        let outcome: PacketConversion.Outcome
        do { outcome = try conversion.convert(raw, deadline: { [self] in currentStopDeadline }) } catch {
            packetFailures.wrappingAdd(1, ordering: .relaxed)
            logger.error("packet file of \(raw) not made (the raw file is untouched): \(error)")
            return nil
        }
        packetFiles.wrappingAdd(1, ordering: .relaxed)
        packetsWritten.wrappingAdd(outcome.packets, ordering: .relaxed)
        logger.info("packet file \(outcome.path): \(outcome.packets) packets from \(job.record.messages) messages")
        guard writesSidecars else { return outcome.path }
        do {
            let sums = try FileChecksums.compute(path: outcome.path)
            try FileSidecar.write(FileSidecar.packetJSON(packets: outcome.path, raw: job.record, summary: outcome.summary,
                                                         closedAt: Date(), checksums: sums, catalog: catalog), for: outcome.path)
            sidecarsWritten.wrappingAdd(1, ordering: .relaxed)
        } catch {
            sidecarFailures.wrappingAdd(1, ordering: .relaxed)
            logger.error("cannot write the sidecar of \(outcome.path): \(error)")
        }
        return outcome.path
    }

    /// Runs on_close directly (no shell), stdin from /dev/null, its output to the daemon's.
    private func runCommand(for path: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: onClose[0])
        p.arguments = Array(onClose.dropFirst()) + [path]
        p.standardInput = FileHandle.nullDevice
        let shown = (onClose + [path]).joined(separator: " ")
        do { try p.run() } catch {
            onCloseFailures.wrappingAdd(1, ordering: .relaxed)
            logger.error("on_close \(shown): cannot start: \(error)")
            return
        }
        while p.isRunning {
            if pastStopDeadline {
                logger.warning("on_close \(shown) (pid \(p.processIdentifier)) still running at shutdown; not waited for")
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let status = p.terminationStatus
        if p.terminationReason == .uncaughtSignal {
            onCloseFailures.wrappingAdd(1, ordering: .relaxed)
            logger.error("on_close \(shown) killed by signal \(status)")
        } else if status != 0 {
            onCloseFailures.wrappingAdd(1, ordering: .relaxed)
            logger.error("on_close \(shown) failed with exit status \(status)")
        } else {
            logger.info("on_close \(shown) done")
        }
    }
}
