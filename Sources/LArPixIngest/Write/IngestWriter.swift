import Foundation
import LArPixRaw
import Logging
import Synchronization

/// The one thread that touches HDF5: it takes sealed batches from the batcher, appends them to
/// the current file, flushes at least every `flushInterval`, rotates files on request and on
/// limits, and gives the bytes of written messages back to the budget.
///
/// Each turn of the loop does its steps in one order: collect (seal what a due flush or
/// rotation must include), write every batch (rotating on the size limits between parts),
/// rotate on request or age, flush if due, report status. A flush never writes batches and never
/// rotates, so the file a decision was made for is the file it acts on. The decisions themselves
/// are small pure types: `FlushPolicy`, `RotationPolicy`, `RetryPolicy`, `DiskSpace`.
// @unchecked Sendable: everything mutable below is touched only by the writer thread after
// `start()`; what other threads use is atomic (`rotationRequested`) or in `stats`.
final class IngestWriter: @unchecked Sendable {
    struct Parts {
        var batcher: Batcher
        var budget: MessageBudget
        var stats: IngestStats
        var logger: Logger
        var notifier: SystemdNotifier
        var events: (any WriterEvents)?
        var files: any RawFileSinkFactory
        /// Chooses the path of the next file in a directory for its run tag (the daemon's
        /// FileNamer); called on the writer thread.
        var nextPath: (_ directory: String, _ run: RunTag?) -> String
    }

    /// The open file and what is pending on it.
    struct OpenFile {
        let sink: any RawFileSink
        /// The run the file belongs to (nil: untagged).
        let run: RunTag?
        let openedAt: ContinuousClock.Instant
        var lastFlush: ContinuousClock.Instant
        /// Appended to since the last flush.
        var dirty = false
        /// When the file last changed on disk (a flush, or a touch).
        var lastChange: ContinuousClock.Instant
        /// Rows made durable by the last successful flush.
        var durable: Int
        /// Appended since the last flush, still holding their buffer share.
        var unflushed = UnflushedBatches()
    }

    private let settings: WriterSettings
    let parts: Parts
    private let flushPolicy: FlushPolicy
    private let rotation: RotationPolicy
    private let retry = RetryPolicy()
    /// The output places and which is written now (see OutputPlaces).
    private var places: OutputPlaces
    private var lastPlaceCheck = ContinuousClock.now
    private let freeSpace: @Sendable (String) -> Int?
    /// Free space where the writer writes now.
    private var diskSpace: DiskSpace { DiskSpace(directory: places.activeDirectory, free: freeSpace) }
    var file: OpenFile?
    /// Run, no run, or paused; which tag the next file gets (writer thread only).
    var runState: RunState
    /// Control commands, taken between batches.
    let control = ControlQueue()
    /// Appended to a file that then failed: written again, first, to the next file.
    private var rewrite: [Batch] = []
    /// How long the last timed flush took (at most half the interval): the next starts that early.
    private var flushLead = 0.0
    private var lastStatus = ProcessClock.nanoseconds
    private var backlog = BacklogWatch()
    private var idleTrim = IdleTrim()
    private var heartbeats: HeartbeatWatch?
    /// Stopping, the stop's budget ran out on a failing write: what is left is not tried again.
    /// (messages, bytes) given up, logged once when the writer ends.
    private var givenUp: (messages: Int, bytes: Int)?
    private let rotationRequested = Atomic<Bool>(false)
    private let thread = WorkerThread()

    var batcher: Batcher { parts.batcher }
    var stats: IngestStats { parts.stats }
    var logger: Logger { parts.logger }

    init(settings: WriterSettings, parts: Parts, freeSpace: @escaping @Sendable (String) -> Int? = DiskSpace.freeBytes(in:)) {
        self.settings = settings
        self.parts = parts
        flushPolicy = FlushPolicy(interval: settings.flushInterval, bufferMaxBytes: parts.budget.maxBytes,
                                  idleDelay: settings.idleFlush)
        rotation = settings.rotation
        runState = RunState(config: settings.run)
        heartbeats = settings.heartbeatTimeout.map { HeartbeatWatch(timeout: $0) }
        self.freeSpace = freeSpace
        places = OutputPlaces(directories: settings.places, minFreeBytes: settings.minFreeBytes,
                              returnToFirst: settings.returnToFirst, free: freeSpace)
        parts.stats.activePlace = ActivePlace(index: 0, path: places.activeDirectory, reason: "start")
    }

    /// Starts the writer thread and waits until the first file is open (or failed to open).
    func start() throws(RawFileError) {
        let opened = Mutex<Result<Void, RawFileError>?>(nil)
        let startup = DispatchSemaphore(value: 0)
        thread.spawn(name: "larpix-rawd writer", stackSize: 8 << 20) { [self] in
            takePriority()
            do throws(RawFileError) { try openNewFile(reason: "start") } catch {
                opened.withLock { $0 = .failure(error) }
                startup.signal()
                return
            }
            opened.withLock { $0 = .success(()) }
            startup.signal()
            loop()
            refuseWaitingCommands()
        }
        startup.wait()
        if case .failure(let e) = opened.withLock({ $0 }) { throw e }
    }

    /// Waits for the writer thread to drain and close (after `batcher.finish()`).
    func join() { thread.join() }

    func requestRotation() {
        rotationRequested.store(true, ordering: .releasing)
        batcher.wake()
    }

    /// The writer's nice levels above the daemon (writer_priority), taken on its own thread (nice
    /// is per thread on Linux); refused, it says what would allow it, once, and writes on.
    private func takePriority() {
        let outcome = ThreadPriority.raiseCallingThread(by: settings.priority)
        stats.writerNice.store(Int(outcome.nice), ordering: .relaxed)
        switch outcome {
        case .unchanged: break
        case .raised(let from, let to):
            logger.info("writer thread at nice \(to) (writer_priority \(settings.priority): the daemon's other threads at \(from))")
        case .refused(let nice, let wanted, let code):
            logger.warning("writer_priority \(settings.priority): the writer thread stays at nice \(nice), nice \(wanted) was refused (\(String(cString: strerror(code)))): allow it with LimitNICE=\(wanted) in the unit (or CAP_SYS_NICE), or set writer_priority: 0")
        }
    }

    // MARK: The loop

    private func loop() {
        let tick = min(0.05, batcher.limits.maxAge.inSeconds)
        while true {
            let idleFor = batcher.secondsSinceInput
            let flushDue = flushDecision(idleFor: idleFor) != .notDue
            // Commands are taken before the seal: what was received before them is written first,
            // to the file they close.
            let commands = control.hasPending ? control.takeAll() : []
            // What a due flush or rotation must include is sealed now, so that it is written first;
            // so is what waits in the batcher once the input is idle (the idle flush takes it).
            let sealAll = flushDue || (flushPolicy.isIdle(idleFor) && batcher.hasOpenBatch) || rotationRequested.load(ordering: .acquiring)
                || ageLimitReached() != nil || !commands.isEmpty
            batcher.sealIfDue(force: sealAll)
            // The batcher's lock only when idle flushing is on and not yet due.
            let untilIdle = flushPolicy.untilIdle(idleFor).flatMap { file?.dirty == true || batcher.hasOpenBatch ? $0 : nil }
            let wait = sealAll ? 0 : max(0.001, min(tick, secondsUntilFlush(), untilIdle ?? tick))
            switch batcher.next(timeout: wait) {
            case .batches(let batches):
                for b in batches { write(b) }
            case .timeout:
                break
            case .finished:
                refuse(commands)
                stop()
                return
            }
            if !commands.isEmpty { run(commands) }
            if rotationRequested.exchange(false, ordering: .acquiring), !runState.isPaused { rotate(.requested) }
            if let reason = ageLimitReached() { rotate(reason) }
            let idleNow = batcher.secondsSinceInput
            flushIfDue(idleFor: idleNow)
            checkPlaces()
            touchIfIdle()
            if idleTrim.due(idleFor: idleNow) { MemoryReturn.giveBack() }
            statusTick()
        }
    }

    /// Keeps an open file's mtime fresh while nothing is written to it (see `touchInterval`).
    private func touchIfIdle() {
        guard var f = file, (ContinuousClock.now - f.lastChange).inSeconds >= settings.touchInterval else { return }
        f.sink.touch()
        f.lastChange = .now
        file = f
    }

    private func stop() {
        finishFile(.stop)
        if !rewrite.isEmpty {
            appendWithRetry(nil)
            finishFile(.stop)
        }
        let rotations = stats.rotations.load(ordering: .relaxed)
        if rotations > 0 {
            let total = Double(stats.rotationNanoseconds.load(ordering: .relaxed)) / 1e6
            let longest = Double(stats.rotationMaxNanoseconds.load(ordering: .relaxed)) / 1e6
            let cpu = Double(stats.rotationCPUNanoseconds.load(ordering: .relaxed)) / 1e6
            logger.info("\(rotations) rotations took the writer \(String(format: "%.3f", total / Double(rotations))) ms each on average (\(String(format: "%.3f", cpu / Double(rotations))) ms of its CPU), \(String(format: "%.3f", longest)) ms at most")
        }
        if let lost = givenUp {
            logger.critical("stopping with the file unwritable: \(lost.messages) received messages (\(lost.bytes) bytes) could not be written within the stop's budget (stop_timeout \(settings.stopTimeout) s)")
        }
    }

    private func ageLimitReached() -> CloseReason? {
        guard let f = file else { return nil }
        return rotation.byAge(openFor: (ContinuousClock.now - f.openedAt).inSeconds)
    }

    /// Appends `batch`, split where a message-count limit falls, rotating on the size limits.
    /// Stopping, past the stop's budget, it is given up instead (a drain slower than the budget).
    private func write(_ batch: Batch) {
        if givenUp != nil || (batcher.secondsLeftToStop.map { $0 <= 0 } ?? false) {
            return giveUp([batch])
        }
        if runState.isPaused { return dropWhilePaused(batch) }
        var rest = batch
        while !rest.isEmpty {
            var part = rest
            if let f = file, let room = rotation.room(messagesInFile: f.sink.messageCount) {
                if room == 0 { rotate(.maxMessages(rotation.maxMessages)); continue }
                if room < rest.count { part = rest.removeFirst(room) } else { rest = Batch(capacity: 0) }
            } else {
                rest = Batch(capacity: 0)
            }
            appendWithRetry(part)
            if let f = file, let reason = rotation.afterAppend(messagesInFile: f.sink.messageCount, fileBytes: f.sink.fileSize) {
                rotate(reason)
            }
        }
    }

    // MARK: Appending

    /// Appends `batch` (after any batches a failed file left to rewrite). Short of disk space
    /// (see DiskSpace) it waits, holding the batch, and resumes in the same file. If HDF5 fails
    /// anyway (an I/O error, a disk filled behind our back), the file is abandoned and everything
    /// since its last flush goes, with this batch, to a new file. Every wait logs and counts a
    /// write error; nothing is given back to the buffer before it is flushed.
    private func appendWithRetry(_ batch: Batch?) {
        // (batch, already counted as written): rewritten batches were counted the first time.
        var queue = rewrite.map { ($0, true) } + (batch.map { [($0, false)] } ?? [])
        rewrite = []
        if givenUp != nil { return giveUp(queue.map(\.0)) }
        var delay = retry.firstDelay
        var stalledSince: ContinuousClock.Instant?
        // Moves to another place since the last append that worked (at most one per place).
        var moves = 0
        while let (next, counted) = queue.first {
            let failure: RetryPolicy.Failure
            do {
                try append(next, counted: counted)
                queue.removeFirst()
                moves = 0
                if let since = stalledSince {
                    logger.notice("disk space is back: writing again after \((ContinuousClock.now - since).inSeconds) s")
                    stalledSince = nil
                }
                delay = retry.firstDelay
                continue
            } catch let shortage as DiskSpace.Shortage {
                // Another place with room takes the next file; this one is closed, complete.
                if moves < places.directories.count, moveOnShortage(of: next) {
                    moves += 1
                    queue = rewrite.map { ($0, true) } + queue
                    rewrite = []
                    continue
                }
                failure = .diskFull
                if stalledSince == nil {
                    stalledSince = .now
                    logger.error("disk full: \(shortage); holding \(queue.reduce(0) { $0 + $1.0.count }) messages (and the buffer behind them) until space is freed")
                }
                // What was admitted before is flushed now, so that it is durable while we wait.
                flush(timed: false)
            } catch {
                failure = .writeFailed
                abandonFile(after: error)
                logger.error("write failed, will retry: \(error)")
                moveIfOutOfSpace(after: next)
            }
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            // A failed file's unflushed batches come before those still queued.
            queue = rewrite.map { ($0, true) } + queue
            rewrite = []
            switch retry.decide(delay: delay, secondsLeft: batcher.secondsLeftToStop) {
            case .giveUp:
                giveUp(queue.map(\.0))
                return
            case .retry(let after):
                Thread.sleep(forTimeInterval: after)
                delay = retry.next(after: delay, failure)
                statusTick()
            }
        }
    }

    /// One append of `batch` to the current file (opening one if a failure closed it).
    private func append(_ batch: Batch, counted: Bool) throws {
        try diskSpace.admit(messages: batch.count, bytes: batch.bytes, pending: file?.unflushed.bytesNeeded ?? 0)
        if file == nil { try openNewFile(reason: "retry after write error") }
        guard var f = file else { return }
        try f.sink.append(batch)
        f.dirty = true
        f.unflushed.add(batch)
        file = f
        if !counted {
            stats.written(batch)
            parts.events?.written(batch)
        }
        stats.currentFile = CurrentFile(path: f.sink.path, messages: f.sink.messageCount, bytes: f.sink.bytesAppended,
                                        fileBytes: f.sink.fileSize)
    }

    /// Stopping with the file unwritable: what is left is counted and given back (and logged
    /// once, with the totals, when the writer ends).
    private func giveUp(_ batches: [Batch]) {
        let n = batches.reduce(0) { $0 + $1.count }, bytes = batches.reduce(0) { $0 + $1.bytes }
        stats.drop(.writeFailed, count: n)
        parts.budget.give(messages: n, payloadBytes: bytes)
        givenUp = ((givenUp?.messages ?? 0) + n, (givenUp?.bytes ?? 0) + bytes)
    }

    // MARK: Flushing

    private func flushDecision(idleFor: Double) -> FlushPolicy.Decision {
        guard let f = file else { return .notDue }
        return flushPolicy.decide(sinceLast: (ContinuousClock.now - f.lastFlush).inSeconds, lead: flushLead,
                                  unflushedCost: f.unflushed.bufferCost, idleFor: idleFor, dirty: f.dirty)
    }

    private func secondsUntilFlush() -> Double {
        guard let f = file else { return flushPolicy.interval }
        return flushPolicy.untilDue(sinceLast: (ContinuousClock.now - f.lastFlush).inSeconds, lead: flushLead)
    }

    private func flushIfDue(idleFor: Double) {
        switch flushDecision(idleFor: idleFor) {
        case .notDue: return
        case .bySize: flush(timed: false)
        case .idle:
            drainForFlush()
            flush(timed: false)
        case .timed:
            drainForFlush()
            flush(timed: true)
        }
    }

    /// What was received by now goes into a timed or idle flush, open batch included: no message
    /// waits more than one interval (plus the flush) to become visible. (Without it the open
    /// batch, up to `batch.max_age` old, waited for the next flush: +70 ms at the median.)
    private func drainForFlush() {
        for b in batcher.sealAndTakeAll() { write(b) }
    }

    /// Flushes the current file if anything was appended; `timed` sets the next flush's lead.
    private func flush(timed: Bool) {
        guard var f = file else { return }
        let started = ContinuousClock.now
        guard f.dirty else {
            f.lastFlush = started
            file = f
            return
        }
        do {
            try f.sink.flush()
        } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("flush failed: \(error)")
            abandonFile(after: error)
            return
        }
        let took = ContinuousClock.now - started
        parts.events?.flushed(nanoseconds: UInt64(max(0, took.nanoseconds)))
        if timed { flushLead = flushPolicy.lead(afterFlushTaking: took.inSeconds) }
        stats.flushes.wrappingAdd(1, ordering: .relaxed)
        f.dirty = false
        f.lastFlush = started
        f.lastChange = started
        file = f
        unflushedAreDurable()
    }

    /// The file is flushed (or closed): what was appended is durable; its buffer share is free.
    private func unflushedAreDurable() {
        guard var f = file else { return }
        parts.budget.give(messages: f.unflushed.messages, payloadBytes: f.unflushed.bytes)
        _ = f.unflushed.takeAll()
        f.durable = f.sink.messageCount
        file = f
    }

    // MARK: Files

    /// Opens the next file in the active output place, tagged with the run in effect (which
    /// advances its subrun). Nothing opens while paused.
    func openNewFile(reason: String) throws(RawFileError) {
        guard !runState.isPaused else { return }
        // Between files: a move costs nothing here.
        if let move = places.check() { takeMove(move) }
        warnIfLowOnSpace()
        let tag = runState.nextTag
        let sink = try parts.files.open(parts.nextPath(places.activeDirectory, tag), run: tag)
        runState.fileOpened()
        file = OpenFile(sink: sink, run: tag, openedAt: .now, lastFlush: .now, lastChange: .now, durable: sink.messageCount)
        stats.currentFile = CurrentFile(path: sink.path, messages: sink.messageCount, bytes: 0, fileBytes: sink.fileSize)
        sampleFreeSpace()
        stats.runStatus = RunStatus(tag: tag, paused: false)
        parts.events?.fileOpened(path: sink.path, created: sink.created, messagesBefore: sink.messageCount, run: tag)
        logger.info("writing \(sink.path) (\(reason)\(tag.map { ", run \($0.run) subrun \($0.subrun) \($0.dataStream)" } ?? ""))")
    }

    /// Gives up on the current file after HDF5 failed on it (its cache cannot flush again). It
    /// holds `durable` messages for sure; rows past them, if a partial flush left any, are
    /// repeated in the next file, which `larpix-raw repair --messages` removes.
    private func abandonFile(after error: Error) {
        guard var f = file else { return }
        let pending = f.unflushed.takeAll()
        rewrite += pending
        try? f.sink.close(fsync: false)
        file = nil
        let path = f.sink.path
        logger.error("writing \(path) failed: \(error); abandoned it with \(f.durable) durable messages; its \(pending.reduce(0) { $0 + $1.count }) unflushed messages go to the next file (if \(path) shows more than \(f.durable), `larpix-raw repair \(path) --messages \(f.durable)` drops the repeats)")
    }

    /// Whether the writer fsyncs a file it closes: only when no watcher does it off this thread.
    private var syncsAtClose: Bool { !(parts.events?.syncsClosedFiles ?? false) }

    /// Flushes and closes the current file, and fsyncs it unless the watcher does (`syncsAtClose`).
    func finishFile(_ reason: CloseReason) {
        guard let f = file else { return }
        var closeError: Error?
        // The driver's counters go with the file: read them before it closes.
        let readerWaits = f.sink.readerWaitSummary
        let sync = syncsAtClose
        do {
            try f.sink.close(fsync: sync)
            stats.flushes.wrappingAdd(1, ordering: .relaxed)
            unflushedAreDurable()
            logger.info("closed \(f.sink.path): \(f.sink.messageCount) messages (\(reason))")
            // How often live readers made a flush wait, and how often one was still reading.
            if let w = readerWaits { logger.info("\(f.sink.path): \(w)") }
        } catch {
            closeError = error
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("closing \(f.sink.path) failed: \(error)")
            rewrite += file?.unflushed.takeAll() ?? []
        }
        parts.events?.fileClosed(path: f.sink.path, messages: f.sink.messageCount, modified: f.sink.modified, reason: reason,
                                 error: closeError.map { "\($0)" }, synced: sync)
        file = nil
    }

    func rotate(_ reason: CloseReason) {
        let started = ContinuousClock.now, cpuStarted = Self.threadCPUNanoseconds()
        finishFile(reason)
        stats.rotations.wrappingAdd(1, ordering: .relaxed)
        do { try openNewFile(reason: "\(reason)") } catch {
            stats.writeErrors.wrappingAdd(1, ordering: .relaxed)
            logger.error("cannot open the next file: \(error); will retry on the next message")
        }
        let took = Int((ContinuousClock.now - started).nanoseconds)
        stats.rotationNanoseconds.wrappingAdd(took, ordering: .relaxed)
        _ = stats.rotationMaxNanoseconds.max(took, ordering: .relaxed)
        stats.rotationCPUNanoseconds.wrappingAdd(Self.threadCPUNanoseconds() - cpuStarted, ordering: .relaxed)
    }

    /// CPU time this thread has used (CLOCK_THREAD_CPUTIME_ID: a vDSO read, no system call).
    private static func threadCPUNanoseconds() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    private func warnIfLowOnSpace() {
        guard settings.minFreeBytes > 0, let free = diskSpace.freeBytes(), free < settings.minFreeBytes else { return }
        let elsewhere = places.directories.count > 1 ? " and no other output place has more" : ""
        logger.warning("only \(free) bytes free in \(places.activeDirectory) (min_free_bytes \(settings.minFreeBytes))\(elsewhere)")
    }

    // MARK: Places

    /// What a batch needs on a disk it alone is written to.
    private static func bytesNeeded(_ b: Batch) -> Int { DiskSpace.bytesNeeded(messages: b.count, bytes: b.bytes) + DiskSpace.margin }

    /// Once a second at most (two statvfs at most): whether to write elsewhere (OutputPlaces.check).
    private func checkPlaces() {
        guard places.directories.count > 1, (ContinuousClock.now - lastPlaceCheck).inSeconds >= min(1, flushPolicy.interval) else { return }
        lastPlaceCheck = .now
        if let move = places.check() { moveTo(move) }
    }

    /// `batch` does not fit in the active place: moves to the next place it fits in, if any.
    private func moveOnShortage(of batch: Batch) -> Bool {
        guard let move = places.afterShortage(needed: Self.bytesNeeded(batch)) else { return false }
        moveTo(move)
        return true
    }

    /// After a failed write: if it failed for lack of space (the disk filled behind our back),
    /// the next file goes to a place with room.
    private func moveIfOutOfSpace(after batch: Batch) {
        let needed = Self.bytesNeeded(batch)
        guard diskSpace.freeBytes().map({ $0 < needed }) ?? false, let move = places.afterShortage(needed: needed) else { return }
        takeMove(move)
    }

    /// Moves to another place: the file here is closed (complete), the next opens there.
    private func moveTo(_ move: OutputPlaces.Move) {
        takeMove(move)
        if file != nil { rotate(.moved(move.reason)) }
    }

    /// Makes `move`'s place the active one: logged once, counted, shown in status.
    private func takeMove(_ move: OutputPlaces.Move) {
        let from = places.directories[move.from], to = places.directories[move.to]
        let free = freeSpace(from).map { "\($0) bytes free" } ?? "free space unknown"
        logger.warning("output: moving from \(from) to \(to) (place \(move.to + 1) of \(places.directories.count)): \(move.reason) (\(free) in \(from), min_free_bytes \(settings.minFreeBytes))")
        places.take(move)
        stats.movedPlace(to: ActivePlace(index: move.to, path: to, reason: move.reason.rawValue))
    }

    // MARK: Status

    /// Once a second: the write rates, STATUS= and the watchdog.
    private func statusTick() {
        let now = ProcessClock.nanoseconds
        guard now &- lastStatus >= 1_000_000_000 else { return }
        lastStatus = now
        sampleFreeSpace()
        _ = stats.tickRates(now: now)
        let snapshot = stats.snapshot()
        watchBacklog(snapshot, now: Double(now) / 1e9)
        watchHeartbeats(snapshot, now: now)
        parts.notifier.status(StatusLine.render(snapshot))
        if parts.notifier.watchdogInterval != nil { parts.notifier.watchdog() }
    }

    /// The active place's free space for monitoring, once a second from here, so that no
    /// statvfs runs on the metrics server's event loop (a stalled mount would hang /metrics).
    private func sampleFreeSpace() { stats.diskFreeBytes.store(diskSpace.freeBytes() ?? -1, ordering: .relaxed) }

    private func watchBacklog(_ s: IngestSnapshot, now: Double) {
        let fraction = Double(s.bufferBytes) / Double(max(s.bufferMaxBytes, 1))
        switch backlog.observe(fraction: fraction, now: now) {
        case .nothing: break
        case .behind(let seconds):
            logger.warning("the writer is falling behind: the buffer has been above \(Int(backlog.threshold * 100)) % for \(Int(seconds)) s (\(s.bufferBytes) of \(s.bufferMaxBytes) bytes); receivers will stop reading and boards will drop (rotation limits too small? a slow disk?)")
        case .caughtUp(let seconds):
            logger.notice("the writer caught up after \(Int(seconds)) s with the buffer above \(Int(backlog.threshold * 100)) %")
        }
        stats.writerBehind.store(backlog.behind, ordering: .relaxed)
    }

    /// Boards that stopped sending heartbeats (a dead board, a cable, drops at its send HWM).
    private func watchHeartbeats(_ s: IngestSnapshot, now: UInt64) {
        guard heartbeats != nil else { return }
        for event in heartbeats!.observe(lastHeartbeat: s.ioGroups.lastHeartbeat, now: now) {
            switch event {
            case let .stopped(g, silent), let .stillStopped(g, silent):
                logger.warning("io_group \(g): no heartbeat for \(Int(silent)) s (quality.heartbeat_timeout \(settings.heartbeatTimeout ?? 0) s): is the board sending?")
            case let .resumed(g, silent):
                logger.info("io_group \(g): heartbeats resumed after \(Int(silent)) s")
            }
        }
    }
}
