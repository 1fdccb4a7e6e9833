import CoreMetrics
import Foundation
import Prometheus

/// The daemon's Prometheus metrics, through swift-metrics with a registry of the daemon's own
/// (no global bootstrap, so several daemons in one test process stay apart). The data path only
/// counts with atomics and under locks it takes anyway; this type turns those counters into
/// metrics when /metrics is scraped, so the cost is per scrape, not per message.
final class DaemonMetrics: @unchecked Sendable {
    /// What the metrics are read from.
    struct Inputs {
        var stats: IngestStats
        var batcher: Batcher
        var budget: MessageBudget
        var writer: IngestWriter
        var observer: WriterObserver
        var sources: SourceConnections
        var tap: DataTap?
        var closedFiles: ClosedFileWorker?
        var directory: String
    }

    static let prefix = "larpix_rawd_"
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let inputs: Inputs
    private let lock = NSLock()

    private var perGroup: [String: [UInt8: CounterFeed]] = [:]
    private var sinceLast: [UInt8: Meter] = [:]
    private var drops: [DropReason: CounterFeed] = [:]
    private var totals: [String: CounterFeed] = [:]
    private var gauges: [String: Meter] = [:]
    private let blocked: CoreMetrics.FloatingPointCounter
    private var blockedSeen = 0
    private let flushDuration: CoreMetrics.Timer
    private let fileInfo: InfoGauge
    private var sourceStates: [InfoGauge] = []
    private var sourceConnected: [Meter] = []
    private var sourceCounters: [(disconnects: CounterFeed, handshakeFailures: CounterFeed)] = []

    init(inputs: Inputs, configuredIOGroups: [UInt8]) {
        self.inputs = inputs
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                             .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                             .seconds(5), .seconds(10)]
        factory = f
        blocked = CoreMetrics.FloatingPointCounter(label: Self.prefix + "buffer_blocked_seconds_total", factory: f)
        flushDuration = CoreMetrics.Timer(label: Self.prefix + "flush_duration_seconds", factory: f)
        fileInfo = InfoGauge(label: Self.prefix + "file_info", factory: f)
        Meter(label: Self.prefix + "info", dimensions: [("version", DaemonVersion.string)], factory: f).set(1)
        Meter(label: Self.prefix + "start_time_seconds", factory: f).set(Date().timeIntervalSince1970)
        Meter(label: Self.prefix + "buffer_max_bytes", factory: f).set(inputs.budget.maxBytes)
        for reason in DropReason.allCases { drops[reason] = feed("messages_dropped_total", [("reason", reason.rawValue)]) }
        for g in configuredIOGroups { touchGroup(g) }
        for s in inputs.sources.snapshot {
            sourceStates.append(InfoGauge(label: Self.prefix + "source_state", factory: f))
            let dims = [("source", s.name), ("endpoint", s.endpoint)]
            sourceConnected.append(Meter(label: Self.prefix + "source_connected", dimensions: dims, factory: f))
            sourceCounters.append((feed("source_disconnects_total", dims), feed("source_handshake_failures_total", dims)))
        }
        update()
    }

    /// Records one flush (writer thread).
    func recordFlush(nanoseconds: UInt64) { flushDuration.recordNanoseconds(Int64(clamping: nanoseconds)) }

    /// The exposition text, current as of this call.
    func render() -> [UInt8] {
        update()
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }

    // MARK: Reading the counters

    private func update() {
        lock.lock()
        defer { lock.unlock() }
        let s = inputs.stats
        let received = inputs.batcher.receivedByIOGroupSnapshot
        let written = s.messagesWrittenByIOGroup
        let writtenBytes = inputs.observer.writtenBytesByIOGroup
        let now = DispatchTime.now().uptimeNanoseconds
        for g in 0..<256 where received.messages[g] > 0 || written[g] > 0 {
            let group = UInt8(g)
            touchGroup(group)
            perGroup["messages_received_total"]?[group]?.set(received.messages[g])
            perGroup["bytes_received_total"]?[group]?.set(received.bytes[g])
            perGroup["messages_written_total"]?[group]?.set(written[g])
            perGroup["bytes_written_total"]?[group]?.set(writtenBytes[g])
            // Only once a message came: a series that says 0 s for a silent io_group would mislead.
            if received.lastArrival[g] > 0 {
                if sinceLast[group] == nil {
                    sinceLast[group] = Meter(label: Self.prefix + "seconds_since_last_message", dimensions: [("io_group", String(g))], factory: factory)
                }
                sinceLast[group]!.set(Double(now &- received.lastArrival[g]) / 1e9)
            }
        }
        for (reason, f) in drops { f.set(s.dropped(reason)) }
        total("batches_written_total", s.batchesWritten.load(ordering: .relaxed))
        total("flushes_total", s.flushes.load(ordering: .relaxed))
        total("file_rotations_total", s.rotations.load(ordering: .relaxed))
        total("write_errors_total", s.writeErrors.load(ordering: .relaxed))
        let blockedNow = s.blockedNanoseconds.load(ordering: .relaxed)
        if blockedNow > blockedSeen {
            blocked.increment(by: Double(blockedNow - blockedSeen) / 1e9)
            blockedSeen = blockedNow
        }
        gauge("buffer_bytes", Double(inputs.budget.bytesInUse))
        let rates = inputs.observer.currentRates
        gauge("write_messages_per_second", rates.messagesPerSecond)
        gauge("write_bytes_per_second", rates.bytesPerSecond)
        if let file = inputs.writer.currentFile {
            fileInfo.show([("path", file.path), ("name", (file.path as NSString).lastPathComponent)])
            gauge("file_messages", Double(file.messages))
            var st = stat()
            gauge("file_bytes", stat(file.path, &st) == 0 ? Double(st.st_size) : 0)
        } else {
            fileInfo.hide()
            gauge("file_messages", 0)
            gauge("file_bytes", 0)
        }
        if let free = Self.freeBytes(inputs.directory) { gauge("disk_free_bytes", Double(free)) }
        for (i, src) in inputs.sources.snapshot.enumerated() {
            sourceStates[i].show([("source", src.name), ("endpoint", src.endpoint), ("state", src.state)])
            sourceConnected[i].set(src.connected ? 1 : 0)
            sourceCounters[i].disconnects.set(src.disconnects)
            sourceCounters[i].handshakeFailures.set(src.handshakeFailures)
        }
        if let tap = inputs.tap {
            total("tap_messages_total", tap.sent.load(ordering: .relaxed))
            total("tap_dropped_total", tap.dropped.load(ordering: .relaxed))
        }
        if let w = inputs.closedFiles {
            total("sidecars_written_total", w.sidecarsWritten.load(ordering: .relaxed))
            total("sidecar_failures_total", w.sidecarFailures.load(ordering: .relaxed))
            total("on_close_failures_total", w.onCloseFailures.load(ordering: .relaxed))
            gauge("closed_files_pending", Double(w.pending))
        }
    }

    /// Creates the per-io_group counters of `g` (configured io_groups show from the start).
    private func touchGroup(_ g: UInt8) {
        guard perGroup["messages_received_total"]?[g] == nil else { return }
        let dims = [("io_group", String(g))]
        for name in ["messages_received_total", "bytes_received_total", "messages_written_total", "bytes_written_total"] {
            perGroup[name, default: [:]][g] = feed(name, dims)
        }
    }

    private func feed(_ name: String, _ dims: [(String, String)] = []) -> CounterFeed {
        CounterFeed(CoreMetrics.Counter(label: Self.prefix + name, dimensions: dims, factory: factory))
    }

    private func total(_ name: String, _ value: Int) {
        if totals[name] == nil { totals[name] = feed(name) }
        totals[name]!.set(value)
    }

    private func gauge(_ name: String, _ value: Double) {
        if gauges[name] == nil { gauges[name] = Meter(label: Self.prefix + name, factory: factory) }
        gauges[name]!.set(value)
    }

    /// Bytes available to the daemon on the filesystem of `directory`.
    static func freeBytes(_ directory: String) -> Int? {
        var s = statvfs()
        guard statvfs(directory, &s) == 0 else { return nil }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }
}

/// A Prometheus counter fed from a running total kept elsewhere: it adds what the total grew.
final class CounterFeed {
    private let counter: CoreMetrics.Counter
    private var seen = 0

    init(_ counter: CoreMetrics.Counter) { self.counter = counter }

    func set(_ total: Int) {
        guard total > seen else { return }
        counter.increment(by: total - seen)
        seen = total
    }
}

/// An "info" gauge: one series with value 1 whose labels carry the information (the current
/// file's name, a source's state); when they change, the old series is removed.
final class InfoGauge {
    private let label: String
    private let factory: any MetricsFactory
    private var shown: (labels: [(String, String)], meter: Meter)?

    init(label: String, factory: any MetricsFactory) {
        self.label = label
        self.factory = factory
    }

    func show(_ labels: [(String, String)]) {
        if let s = shown, s.labels.elementsEqual(labels, by: { $0 == $1 }) { return }
        hide()
        let m = Meter(label: label, dimensions: labels, factory: factory)
        m.set(1)
        shown = (labels, m)
    }

    func hide() {
        shown?.meter.destroy()
        shown = nil
    }
}
