import Foundation
import LArPixRaw
import Synchronization

/// The one place the data path's counts live, shared by the receiver threads, the writer thread
/// and whatever reports them (STATUS=, metrics, tests). Totals are atomics; the per-io_group
/// table is under one lock taken once per burst (receivers) and once per batch (writer), never
/// per message. `snapshot()` copies everything out at once.
public final class IngestStats: Sendable {
    public let messagesReceived = Atomic<Int>(0)
    public let bytesReceived = Atomic<Int>(0)
    public let messagesWritten = Atomic<Int>(0)
    public let bytesWritten = Atomic<Int>(0)
    public let batchesWritten = Atomic<Int>(0)
    public let flushes = Atomic<Int>(0)
    public let rotations = Atomic<Int>(0)
    /// Writer-thread time spent rotating (closing one file, opening the next), in all and the longest.
    public let rotationNanoseconds = Atomic<Int>(0)
    public let rotationMaxNanoseconds = Atomic<Int>(0)
    /// CPU time of the writer thread in those rotations (the rest is waiting: for a core, the disk).
    public let rotationCPUNanoseconds = Atomic<Int>(0)
    public let writeErrors = Atomic<Int>(0)
    /// Connections whose ZMTP/CURVE handshake failed (wrong key, security mismatch): nothing
    /// from them is ingested.
    public let handshakeFailures = Atomic<Int>(0)
    /// Nanoseconds receivers spent waiting for buffer space.
    public let blockedNanoseconds = Atomic<Int>(0)
    /// The buffer has stayed above 80 % long enough to say the writer is behind (BacklogWatch).
    let writerBehind = Atomic<Bool>(false)
    /// The writer thread's nice value, as it took it at start (writer_priority).
    let writerNice = Atomic<Int>(0)
    /// Bytes the buffer holds now (payload + per-message overhead, as MessageBudget charges).
    let bufferBytes = Atomic<Int>(0)
    let bufferMaxBytes: Int
    /// Free bytes in the active output place, sampled by the writer (-1: unknown).
    let diskFreeBytes = Atomic<Int>(-1)
    private let drops = DropCounts()
    private let groups = Mutex<IOGroupTable>(IOGroupTable())
    private let rates = Mutex<WriteRates>(WriteRates())
    private let file = Mutex<CurrentFile?>(nil)
    private let sources = Mutex<[ConnectionMonitor]>([])
    private let runTag = Mutex<RunStatus>(RunStatus())
    private let control = Mutex<[ControlCount: Int]>([:])
    private let place = Mutex<(active: ActivePlace?, moves: [String: Int])>((nil, [:]))

    public init(bufferMaxBytes: Int = 0) { self.bufferMaxBytes = bufferMaxBytes }

    public func drop(_ reason: DropReason, count: Int = 1) {
        drops.add(reason, count)
    }

    public func dropped(_ reason: DropReason) -> Int { drops[reason] }

    public var droppedTotal: Int { drops.total }

    /// A receiver handed on `burst` (one lock for the whole burst).
    func received(_ burst: ReceivedBurst, at now: UInt64) {
        messagesReceived.wrappingAdd(burst.count, ordering: .relaxed)
        bytesReceived.wrappingAdd(burst.bytes, ordering: .relaxed)
        let payloads = burst.payloads, ioGroups = burst.ioGroups, qualities = burst.qualities
        groups.withLock { t in
            // One table update per run of one io_group (a whole burst, from an untagged source).
            Self.forEachRun(payloads, ioGroups) { g, n, bytes in t.received(ioGroup: g, messages: n, bytes: bytes, at: now) }
            if !qualities.isEmpty { t.received(ioGroups: ioGroups, qualities: qualities, at: now) }
        }
    }

    /// Calls `body(ioGroup, messages, bytes)` once per run of consecutive messages of one io_group.
    @inline(__always)
    private static func forEachRun(_ payloads: [UnsafeRawBufferPointer], _ ioGroups: [UInt8],
                                   _ body: (_ ioGroup: UInt8, _ messages: Int, _ bytes: Int) -> Void) {
        var i = 0
        while i < payloads.count {
            let g = ioGroups[i]
            var n = 0, bytes = 0
            while i < payloads.count && ioGroups[i] == g {
                n += 1
                bytes += payloads[i].count
                i += 1
            }
            body(g, n, bytes)
        }
    }

    /// The writer appended `batch` (once per batch).
    func written(_ batch: Batch) {
        messagesWritten.wrappingAdd(batch.count, ordering: .relaxed)
        bytesWritten.wrappingAdd(batch.bytes, ordering: .relaxed)
        batchesWritten.wrappingAdd(1, ordering: .relaxed)
        let payloads = batch.payloads, ioGroups = batch.ioGroups
        groups.withLock { t in
            Self.forEachRun(payloads, ioGroups) { g, n, bytes in t.written(ioGroup: g, messages: n, bytes: bytes) }
        }
    }

    /// Messages written per io_group (256 entries).
    public var messagesWrittenByIOGroup: [Int] { groups.withLock { $0.messagesWritten } }

    /// The file being written (the writer sets it after each open and append).
    var currentFile: CurrentFile? {
        get { file.withLock { $0 } }
        set { file.withLock { $0 = newValue } }
    }

    /// The run state after the writer's last file change (writer thread sets it).
    var runStatus: RunStatus {
        get { runTag.withLock { $0 } }
        set { runTag.withLock { $0 = newValue } }
    }

    /// A control command was answered with `result` ("ok" or a refusal code).
    func countControl(_ command: String, result: String) {
        control.withLock { $0[ControlCount(command: command, result: result), default: 0] += 1 }
    }

    /// Recomputes the write rates (the writer's once-a-second tick) and returns them.
    func tickRates(now: UInt64) -> WriteRates {
        let m = messagesWritten.load(ordering: .relaxed), b = bytesWritten.load(ordering: .relaxed)
        return rates.withLock { r in
            r.update(messages: m, bytes: b, now: now)
            return r
        }
    }

    /// The output place being written (the writer sets it at start).
    var activePlace: ActivePlace? {
        get { place.withLock { $0.active } }
        set { place.withLock { $0.active = newValue } }
    }

    /// The writer moved to another output place (counted by reason).
    func movedPlace(to p: ActivePlace) {
        place.withLock { s in
            s.active = p
            s.moves[p.reason, default: 0] += 1
        }
    }

    /// The sources whose connection state snapshots report (the pipeline adds them at start).
    func register(_ monitors: [ConnectionMonitor], replacing: Bool = false) {
        sources.withLock { $0 = (replacing ? [] : $0) + monitors }
    }

    /// Everything at once, for STATUS=, metrics and tests.
    package func snapshot() -> IngestSnapshot {
        IngestSnapshot(
            messagesReceived: messagesReceived.load(ordering: .relaxed), bytesReceived: bytesReceived.load(ordering: .relaxed),
            messagesWritten: messagesWritten.load(ordering: .relaxed), bytesWritten: bytesWritten.load(ordering: .relaxed),
            batchesWritten: batchesWritten.load(ordering: .relaxed), flushes: flushes.load(ordering: .relaxed),
            rotations: rotations.load(ordering: .relaxed), writeErrors: writeErrors.load(ordering: .relaxed),
            handshakeFailures: handshakeFailures.load(ordering: .relaxed),
            blockedNanoseconds: blockedNanoseconds.load(ordering: .relaxed),
            drops: drops.counted, ioGroups: groups.withLock { $0 },
            bufferBytes: bufferBytes.load(ordering: .relaxed), bufferMaxBytes: bufferMaxBytes,
            rates: rates.withLock { $0 }, file: currentFile, sources: sources.withLock { $0.map(\.state) },
            writerBehind: writerBehind.load(ordering: .relaxed), writerNice: writerNice.load(ordering: .relaxed), run: runStatus, controlCommands: control.withLock { $0 },
            place: place.withLock { $0.active }, placeMoves: place.withLock { $0.moves },
            diskFree: { let f = diskFreeBytes.load(ordering: .relaxed); return f < 0 ? nil : f }())
    }
}
