import Foundation
import LArPixRaw
import Logging
import Synchronization

/// The one thread that touches HDF5: it takes sealed batches from the batcher, appends them to
/// the current file, flushes at least every `flushInterval`, rotates files on request and on
/// limits, and gives the bytes of written messages back to the budget.
final class IngestWriter: @unchecked Sendable {
    private let settings: WriterSettings
    private let batcher: Batcher
    private let budget: MessageBudget
    private let stats: IngestStats
    private let logger: Logger
    private let notifier: SystemdNotifier
    /// Chooses the path of the next file (the daemon's FileNamer); called on the writer thread.
    private let nextPath: () -> String

    private var file: RawFileWriter?
    private var fileOpenedAt = Date()
    private var lastFlush = DispatchTime.now().uptimeNanoseconds
    /// How long the last timed flush took (at most half the interval): the next one starts that
    /// much early, so that rows become visible within `flushInterval` of their arrival.
    private var flushLead = 0.0
    private var dirty = false
    private let rotationRequested = Atomic<Bool>(false)
    private let current = Mutex<CurrentFile?>(nil)
    private var thread: Thread?
    private let startup = DispatchSemaphore(value: 0)
    private var startupError: Error?
    private let done = DispatchSemaphore(value: 0)
    private var statusTicker = StatusTicker()
    /// Appended since the current file's last flush, still holding their buffer share.
    private var unflushed = UnflushedBatches()
    /// Appended to a file that then failed: written again, first, to the next file.
    private var rewrite: [Batch] = []
    /// Rows of the current file made durable by its last successful flush.
    private var durableCount = 0
    private lazy var diskSpace = DiskSpace(directory: settings.directory)
    private(set) var closedFiles: [String] = []
    /// Monitoring hooks (latest link, tap, sidecars, flush times); set before `start()`.
    var observer: WriterObserver?

    struct CurrentFile: Sendable {
        var path: String
        var messages: Int
        var bytes: Int
    }

    init(settings: WriterSettings, batcher: Batcher, budget: MessageBudget, stats: IngestStats,
         logger: Logger, notifier: SystemdNotifier, nextPath: @escaping () -> String) {
        self.settings = settings
        self.batcher = batcher
        self.budget = budget
        self.stats = stats
        self.logger = logger
        self.notifier = notifier
        self.nextPath = nextPath
    }

    /// The file being written, for status.
    var currentFile: CurrentFile? { current.withLock { $0 } }

    /// Starts the writer thread and waits until the first file is open (or failed to open).
    func start() throws {
        let t = Thread { [self] in
            do { try openNewFile(reason: "start") } catch {
                startupError = error
                startup.signal()
                done.signal()
                return
            }
            startup.signal()
            loop()
            done.signal()
        }
        t.name = "larpix-rawd writer"
        t.stackSize = 8 << 20
        thread = t
        t.start()
        startup.wait()
        if let e = startupError { throw e }
    }

    /// Waits for the writer thread to drain and close (after `batcher.finish()`).
    func join() { done.wait() }

    func requestRotation() {
        rotationRequested.store(true, ordering: .releasing)
        batcher.wake()
    }

    // MARK: The loop

    private func loop() {
        let tick = min(0.05, Double(batcher.limits.maxAgeNanoseconds) / 1e9)
        while true {
            batcher.sealIfDue()
            // Wake for the flush when it is due, not up to a tick later (reader latency).
            let untilFlush = settings.flushInterval - flushLead - Double(DispatchTime.now().uptimeNanoseconds &- lastFlush) / 1e9
            switch batcher.next(timeout: max(0.001, min(tick, untilFlush))) {
            case .batches(let batches):
                for b in batches { write(b) }
            case .timeout:
                break
            case .finished:
                finishFile(reason: "stop")
                if !rewrite.isEmpty {
                    appendWithRetry(nil)
                    finishFile(reason: "stop")
                }
                return
            }
            if rotationRequested.exchange(false, ordering: .acquiring) {
                drainSealed()
                rotate(reason: "requested (SIGHUP)")
            }
            if settings.rotateMaxSeconds > 0 && file != nil
                && Date().timeIntervalSince(fileOpenedAt) >= settings.rotateMaxSeconds {
                drainSealed()
                rotate(reason: "max_seconds \(settings.rotateMaxSeconds)")
            }
            flushIfDue()
            statusTick()
        }
    }

    /// Writes everything received so far (so a rotation splits the stream where it was asked).
    private func drainSealed() {
        batcher.sealIfDue(force: true)
        if case .batches(let batches) = batcher.next(timeout: 0) {
            for b in batches { write(b) }
        }
    }

    private func write(_ batch: Batch) {
        var rest = batch
        while !rest.isEmpty {
            var part = rest
            if settings.rotateMaxMessages > 0, let f = file {
                let room = settings.rotateMaxMessages - f.messageCount
                if room <= 0 { rotate(reason: "max_messages \(settings.rotateMaxMessages)"); continue }
                if room < rest.count { part = rest.removeFirst(room) } else { rest = Batch(capacity: 0) }
            } else {
                rest = Batch(capacity: 0)
            }
            appendWithRetry(part)
            if let f = file {
                if settings.rotateMaxMessages > 0 && f.messageCount >= settings.rotateMaxMessages {
                    rotate(reason: "max_messages \(settings.rotateMaxMessages)")
                } else if settings.rotateMaxBytes > 0 && f.fileSize >= settings.rotateMaxBytes {
                    rotate(reason: "max_bytes \(settings.rotateMaxBytes)")
                }
            }
        }
    }

    /// Appends `batch` (after any batches a failed file left to rewrite). Short of disk space
    /// (see DiskSpace) it waits, holding the batch, and resumes in the same file. If HDF5 fails
    /// anyway (an I/O error, a disk filled behind our back), the file is abandoned and everything
    /// since its last flush goes, with this batch, to a new file. Every wait logs and counts a
    /// write error; nothing is given back to the buffer before it is flushed.
    private func appendWithRetry(_ batch: Batch?) {
        var queue = rewrite.map { ($0, true) } + (batch.map { [($0, false)] } ?? [])
        rewrite = []
        var delay = 0.1
        var giveUpAt: Date? = nil
        var stalledSince: Date? = nil
        var failure: Error? = nil
        while let (next, counted) = queue.first {
            do {
                try diskSpace.admit(messages: next.count, bytes: next.bytes, pending: unflushed.bytesNeeded)
                if file == nil { try openNewFile(reason: "retry after write error") }
                guard let f = file else { continue }
                let payloads = next.payloads, groups = next.ioGroups
                try f.append(count: next.count) { i in (payloads[i], groups[i]) }
                dirty = true
                if !counted {
                    stats.written(ioGroups: groups, bytes: next.bytes)
                    observer?.written(next)
                }
                unflushed.add(next)
                queue.removeFirst()
                current.withLock { $0 = CurrentFile(path: f.path, messages: f.messageCount, bytes: f.bytesAppended) }
                if let since = stalledSince {
                    logger.notice("disk space is back: writing again after \(String(format: "%.1f", Date().timeIntervalSince(since))) s")
                    stalledSince = nil
                }
                delay = 0.1
                continue
            } catch let shortage as DiskSpace.Shortage {
                stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
                if stalledSince == nil {
                    stalledSince = Date()
                    logger.error("disk full: \(shortage); holding \(queue.reduce(0) { $0 + $1.0.count }) messages (and the buffer behind them) until space is freed")
                }
                // What was admitted before is flushed now, so that it is durable while we wait.
                flushIfDue(force: true)
            } catch {
                stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
                failure = error
                abandonFile(after: error)
            }
            // A failed file's unflushed batches come before those still queued.
            queue = rewrite.map { ($0, true) } + queue
            rewrite = []
            // While running, hold the batches (and so the budget) and keep trying; once told to
            // stop, try for a bounded time, then account for what cannot be written.
            if batcher.isFinishing {
                let deadline = giveUpAt ?? Date().addingTimeInterval(settings.stopRetrySeconds)
                giveUpAt = deadline
                if Date() >= deadline {
                    let n = queue.reduce(0) { $0 + $1.0.count }, bytes = queue.reduce(0) { $0 + $1.0.bytes }
                    stats.drop(.writeFailed, count: n)
                    budget.give(messages: n, payloadBytes: bytes)
                    logger.critical("stopping with the file unwritable: \(n) received messages (\(bytes) bytes) could not be written")
                    return
                }
            }
            if stalledSince == nil { logger.error("write failed, will retry in \(delay)s: \(failure.map { "\($0)" } ?? "")") }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, stalledSince == nil ? 5 : 1)
            statusTick()
        }
    }

    /// Gives up on the current file after HDF5 failed on it (its cache cannot flush again). It
    /// holds `durableCount` messages for sure; rows past them, if a partial flush left any, are
    /// repeated in the next file, which `larpix-raw repair --messages` removes.
    private func abandonFile(after error: Error) {
        guard let f = file else { return }
        let pending = unflushed.takeAll()
        rewrite += pending
        try? f.close(fsync: false)
        closedFiles.append(f.path)
        file = nil
        dirty = false
        logger.error("writing \(f.path) failed: \(error); abandoned it with \(durableCount) durable messages; its \(pending.reduce(0) { $0 + $1.count }) unflushed messages go to the next file (if \(f.path) shows more than \(durableCount), `larpix-raw repair \(f.path) --messages \(durableCount)` drops the repeats)")
    }

    /// The file is flushed (or closed): what was appended is durable; its buffer share is free.
    private func unflushedAreDurable(_ f: RawFileWriter) {
        budget.give(messages: unflushed.messages, payloadBytes: unflushed.bytes)
        _ = unflushed.takeAll()
        durableCount = f.messageCount
    }

    /// `force`: flush now what is appended (the disk-full path, which must not append more).
    private func flushIfDue(force: Bool = false) {
        guard file != nil else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        // Also when an eighth of the buffer is unflushed: until a flush, HDF5 holds a second copy
        // of those bytes (dirty global heap collections), outside the buffer's bound.
        let bySize = unflushed.bytes >= max(1 << 20, budget.maxBytes / 8)
        let timed = Double(now &- lastFlush) / 1e9 >= settings.flushInterval - flushLead
        guard force || bySize || timed else { return }
        // What is received by now goes into a timed flush, open batch included: no message waits
        // more than one flush interval (plus its write) to become visible to readers.
        if !force && !bySize { drainSealed() }
        guard dirty, let f = file else { return }
        do {
            try f.flush()
            let took = DispatchTime.now().uptimeNanoseconds &- now
            observer?.flushed(nanoseconds: took)
            if timed { flushLead = min(Double(took) / 1e9, settings.flushInterval / 2) }
            stats.flushes.wrappingAdd(1, ordering: .relaxed)
            dirty = false
            lastFlush = now
            unflushedAreDurable(f)
        } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("flush failed: \(error)")
            abandonFile(after: error)
        }
    }

    // MARK: Files

    private func openNewFile(reason: String) throws {
        checkFreeSpace()
        var path = nextPath()
        let opened: RawFileWriter
        if settings.append && FileManager.default.fileExists(atPath: path) {
            if SuperblockFlags.isMarkedOpenForWriting(path) {
                logger.warning("\(path) is still marked open by a writer (a crash?); not appending to it")
                path = nextPath()
                opened = try RawFileWriter.create(path, ioVersion: settings.ioVersion, options: settings.fileOptions)
            } else {
                opened = try RawFileWriter.openForAppend(path, ioVersion: settings.ioVersion, options: settings.fileOptions)
            }
        } else {
            opened = try RawFileWriter.create(path, ioVersion: settings.ioVersion, options: settings.fileOptions)
        }
        file = opened
        durableCount = opened.messageCount
        fileOpenedAt = Date()
        lastFlush = DispatchTime.now().uptimeNanoseconds
        current.withLock { $0 = CurrentFile(path: opened.path, messages: opened.messageCount, bytes: 0) }
        observer?.fileOpened(opened)
        logger.info("writing \(opened.path) (\(reason))")
    }

    /// Flushes, closes and fsyncs the current file.
    private func finishFile(reason: String) {
        guard let f = file else { return }
        var closeError: Error?
        let order = f.orderedDriverStats
        do {
            try f.close(fsync: true)
            stats.flushes.wrappingAdd(1, ordering: .relaxed)
            unflushedAreDurable(f)
            logger.info("closed \(f.path): \(f.messageCount) messages (\(reason))")
            if let o = order {
                // How often live readers made a flush wait, and how often one was still reading.
                logger.info("\(f.path): \(o.commits) ordered flushes, \(o.readerWaits) waits for readers, \(o.waitTimeouts) with a reader still open")
            }
        } catch {
            closeError = error
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("closing \(f.path) failed: \(error)")
            rewrite += unflushed.takeAll()
        }
        observer?.fileClosed(f, reason: reason, error: closeError)
        closedFiles.append(f.path)
        file = nil
        dirty = false
    }

    private func rotate(reason: String) {
        finishFile(reason: "rotation: \(reason)")
        stats.rotations.wrappingAdd(1, ordering: .relaxed)
        do { try openNewFile(reason: "rotation: \(reason)") } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("cannot open the next file: \(error); will retry on the next message")
        }
    }

    private func checkFreeSpace() {
        guard settings.minFreeBytes > 0,
              let attrs = try? FileManager.default.attributesOfFileSystem(forPath: settings.directory),
              let free = (attrs[.systemFreeSize] as? NSNumber)?.intValue else { return }
        if free < settings.minFreeBytes {
            logger.warning("only \(free) bytes free in \(settings.directory) (min_free_bytes \(settings.minFreeBytes))")
        }
    }

    // MARK: Status

    private func statusTick() {
        guard let line = statusTicker.tick(stats: stats, file: currentFile, budget: budget) else { return }
        notifier.status(line + (observer?.statusTick() ?? ""))
        if notifier.watchdogInterval != nil { notifier.watchdog() }
    }
}

/// Once a second: a one-line status with the current file and rates, for systemd's STATUS=.
struct StatusTicker {
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastMessages = 0
    private var lastBytes = 0

    mutating func tick(stats: IngestStats, file: IngestWriter.CurrentFile?, budget: MessageBudget) -> String? {
        let now = DispatchTime.now().uptimeNanoseconds
        let dt = Double(now &- last) / 1e9
        guard dt >= 1 else { return nil }
        let m = stats.messagesWritten.load(ordering: .relaxed), b = stats.bytesWritten.load(ordering: .relaxed)
        let line = String(format: "%@: %.0f msg/s, %.2f MB/s, buffer %.1f%%",
                          file?.path ?? "no file", Double(m - lastMessages) / dt, Double(b - lastBytes) / dt / 1e6,
                          100 * Double(budget.bytesInUse) / Double(max(budget.maxBytes, 1)))
        last = now
        lastMessages = m
        lastBytes = b
        return line
    }
}
