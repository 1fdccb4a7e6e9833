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
    private var dirty = false
    private let rotationRequested = Atomic<Bool>(false)
    private let current = Mutex<CurrentFile?>(nil)
    private var thread: Thread?
    private let startup = DispatchSemaphore(value: 0)
    private var startupError: Error?
    private let done = DispatchSemaphore(value: 0)
    private var statusTicker = StatusTicker()
    private(set) var closedFiles: [String] = []

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
            switch batcher.next(timeout: tick) {
            case .batches(let batches):
                for b in batches { write(b) }
            case .timeout:
                break
            case .finished:
                finishFile(reason: "stop")
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
            budget.give(part.bytes)
            if let f = file {
                if settings.rotateMaxMessages > 0 && f.messageCount >= settings.rotateMaxMessages {
                    rotate(reason: "max_messages \(settings.rotateMaxMessages)")
                } else if settings.rotateMaxBytes > 0 && f.fileSize >= settings.rotateMaxBytes {
                    rotate(reason: "max_bytes \(settings.rotateMaxBytes)")
                }
            }
        }
    }

    /// Appends, and on failure (a full disk, an I/O error) logs, counts, closes the damaged file
    /// and retries into a new one, holding the batch (and so the budget) meanwhile.
    private func appendWithRetry(_ batch: Batch) {
        var delay = 0.1
        var giveUpAt: Date? = nil
        while true {
            do {
                if file == nil { try openNewFile(reason: "retry after write error") }
                guard let f = file else { continue }
                let messages = batch.messages, groups = batch.ioGroups
                try f.append(count: batch.count) { i in (messages[i].unsafeBytes, groups[i]) }
                dirty = true
                stats.written(ioGroups: groups, bytes: batch.bytes)
                current.withLock { $0 = CurrentFile(path: f.path, messages: f.messageCount, bytes: f.bytesAppended) }
                return
            } catch {
                stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
                if let f = file { try? f.close(fsync: false); closedFiles.append(f.path) }
                file = nil
                // While running, hold the batch (and so the budget) and keep trying; once told to
                // stop, try for a bounded time, then account for what cannot be written.
                if batcher.isFinishing {
                    let deadline = giveUpAt ?? Date().addingTimeInterval(settings.stopRetrySeconds)
                    giveUpAt = deadline
                    if Date() >= deadline {
                        stats.drop(.writeFailed, count: batch.count)
                        logger.critical("stopping with the file unwritable: \(batch.count) received messages (\(batch.bytes) bytes) could not be written: \(error)")
                        return
                    }
                }
                logger.error("write failed, will retry in \(delay)s: \(error)")
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 5)
            }
        }
    }

    private func flushIfDue() {
        guard dirty, let f = file else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard Double(now &- lastFlush) / 1e9 >= settings.flushInterval else { return }
        do {
            try f.flush()
            stats.flushes.wrappingAdd(1, ordering: .relaxed)
            dirty = false
            lastFlush = now
        } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("flush failed: \(error)")
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
        fileOpenedAt = Date()
        lastFlush = DispatchTime.now().uptimeNanoseconds
        current.withLock { $0 = CurrentFile(path: opened.path, messages: opened.messageCount, bytes: 0) }
        logger.info("writing \(opened.path) (\(reason))")
    }

    /// Flushes, closes and fsyncs the current file.
    private func finishFile(reason: String) {
        guard let f = file else { return }
        let order = f.orderedDriverStats
        do {
            try f.close(fsync: true)
            stats.flushes.wrappingAdd(1, ordering: .relaxed)
            logger.info("closed \(f.path): \(f.messageCount) messages (\(reason))")
            if let o = order {
                // How often live readers made a flush wait, and how often one was still reading.
                logger.info("\(f.path): \(o.commits) ordered flushes, \(o.readerWaits) waits for readers, \(o.waitTimeouts) with a reader still open")
            }
        } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("closing \(f.path) failed: \(error)")
        }
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
        notifier.status(line)
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
