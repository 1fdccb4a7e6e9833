import CoreMetrics
import Foundation
import LArPixIngest
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics, through swift-metrics with a registry of the daemon's own
/// (no global bootstrap, so several daemons in one test process stay apart). The data path only
/// counts; this type turns a snapshot of those counts into metrics when /metrics is scraped, so
/// the cost is per scrape, not per message.
final class DaemonMetrics: Sendable {
    /// What the metrics are read from besides the data path's snapshot.
    struct Inputs: Sendable {
        var stats: IngestStats
        var tap: DataTap?
        var closedFiles: ClosedFileWorker?
        var configuredIOGroups: [UInt8]
    }

    let registry = PrometheusCollectorRegistry()
    private let inputs: Inputs
    private let flushDuration: CoreMetrics.Timer
    /// The Meters and counter feeds, made as series appear; changed only while rendering.
    private let series: Mutex<Series>

    init(inputs: Inputs) {
        self.inputs = inputs
        var f = PrometheusMetricsFactory(registry: registry)
        f.defaultDurationHistogramBuckets = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                             .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                             .seconds(5), .seconds(10)]
        flushDuration = CoreMetrics.Timer(label: MetricNames.prefix + MetricNames.flushDuration, factory: f)
        series = Mutex(Series(factory: f, bufferMaxBytes: inputs.stats.snapshot().bufferMaxBytes,
                              configuredIOGroups: inputs.configuredIOGroups))
        _ = render()
    }

    /// Records one flush (writer thread).
    func recordFlush(nanoseconds: UInt64) { flushDuration.recordNanoseconds(Int64(clamping: nanoseconds)) }

    /// The exposition text, current as of this call.
    func render() -> [UInt8] {
        let snapshot = inputs.stats.snapshot()
        series.withLock { s in
            s.update(snapshot, now: ProcessClock.nanoseconds)
            s.updateMonitoring(tap: inputs.tap, closedFiles: inputs.closedFiles, diskFree: snapshot.diskFree)
        }
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}

/// The metric objects behind the exposition, and how a snapshot sets them.
// Not Sendable on its own: only touched under DaemonMetrics' lock.
private struct Series: @unchecked Sendable {
    let factory: PrometheusMetricsFactory
    var perGroup: [String: [UInt8: CounterFeed]] = [:]
    var sinceLast: [UInt8: Meter] = [:]
    var quality: [UInt8: QualitySeries] = [:]
    var drops: [DropReason: CounterFeed] = [:]
    var totals: [String: CounterFeed] = [:]
    var gauges: [String: Meter] = [:]
    let blocked: CoreMetrics.FloatingPointCounter
    var blockedSeen = 0
    let fileInfo: InfoGauge
    var control: [ControlCount: CounterFeed] = [:]
    let placeInfo: InfoGauge
    var placeMoves: [String: CounterFeed] = [:]
    var sources: [(state: InfoGauge, connected: Meter, disconnects: CounterFeed, handshakeFailures: CounterFeed)] = []

    init(factory f: PrometheusMetricsFactory, bufferMaxBytes: Int, configuredIOGroups: [UInt8]) {
        factory = f
        blocked = CoreMetrics.FloatingPointCounter(label: MetricNames.prefix + MetricNames.bufferBlockedSeconds, factory: f)
        fileInfo = InfoGauge(label: MetricNames.prefix + MetricNames.fileInfo, factory: f)
        placeInfo = InfoGauge(label: MetricNames.prefix + MetricNames.outputPlaceInfo, factory: f)
        Meter(label: MetricNames.prefix + MetricNames.info, dimensions: [("version", DaemonVersion.string)], factory: f).set(1)
        Meter(label: MetricNames.prefix + MetricNames.startTime, factory: f).set(Date().timeIntervalSince1970)
        Meter(label: MetricNames.prefix + MetricNames.bufferMaxBytes, factory: f).set(bufferMaxBytes)
        for reason in DropReason.allCases { drops[reason] = feed(MetricNames.messagesDropped, [("reason", reason.rawValue)]) }
        for g in configuredIOGroups { touchGroup(g) }
        for r in OutputPlaces.MoveReason.allCases { placeMoves[r.rawValue] = feed(MetricNames.outputPlaceMoves, [("reason", r.rawValue)]) }
    }

    mutating func update(_ s: IngestSnapshot, now: UInt64) {
        let t = s.ioGroups
        for group in t.active {
            let g = Int(group)
            touchGroup(group)
            perGroup[MetricNames.messagesReceived]?[group]?.set(t.messagesReceived[g])
            perGroup[MetricNames.bytesReceived]?[group]?.set(t.bytesReceived[g])
            perGroup[MetricNames.messagesWritten]?[group]?.set(t.messagesWritten[g])
            perGroup[MetricNames.bytesWritten]?[group]?.set(t.bytesWritten[g])
            // Only once a message came: a series that says 0 s for a silent io_group would mislead.
            if t.lastArrival[g] > 0 {
                if sinceLast[group] == nil {
                    sinceLast[group] = Meter(label: MetricNames.prefix + MetricNames.secondsSinceLastMessage,
                                             dimensions: [("io_group", String(g))], factory: factory)
                }
                sinceLast[group]!.set(Double(now &- t.lastArrival[g]) / 1e9)
            }
            if quality[group] == nil && !t.quality[g].isEmpty { quality[group] = QualitySeries(ioGroup: group, factory: factory) }
            quality[group]?.update(t.quality[g], lastHeartbeat: t.lastHeartbeat[g], lastSync: t.lastSync[g], now: now)
        }
        for (reason, f) in drops { f.set(s.drops[reason] ?? 0) }
        total(MetricNames.batchesWritten, s.batchesWritten)
        total(MetricNames.flushes, s.flushes)
        total(MetricNames.rotations, s.rotations)
        total(MetricNames.writeErrors, s.writeErrors)
        if s.blockedNanoseconds > blockedSeen {
            blocked.increment(by: Double(s.blockedNanoseconds - blockedSeen) / 1e9)
            blockedSeen = s.blockedNanoseconds
        }
        gauge(MetricNames.bufferBytes, Double(s.bufferBytes))
        gauge(MetricNames.writerBehind, s.writerBehind ? 1 : 0)
        gauge(MetricNames.writerNice, Double(s.writerNice))
        gauge(MetricNames.writeMessagesPerSecond, s.rates.messagesPerSecond)
        gauge(MetricNames.writeBytesPerSecond, s.rates.bytesPerSecond)
        updateFile(s.file)
        updateSources(s.sources)
        updateRun(s)
        if let p = s.place { placeInfo.show([("index", String(p.index + 1)), ("path", p.path), ("reason", p.reason)]) }
        for (reason, f) in placeMoves { f.set(s.placeMoves[reason] ?? 0) }
    }

    private mutating func updateRun(_ s: IngestSnapshot) {
        gauge(MetricNames.runNumber, Double(s.run.tag?.run ?? 0))
        gauge(MetricNames.subrunNumber, Double(s.run.tag?.subrun ?? 0))
        gauge(MetricNames.runPaused, s.run.paused ? 1 : 0)
        for (key, n) in s.controlCommands {
            if control[key] == nil { control[key] = feed(MetricNames.controlCommands, [("command", key.command), ("result", key.result)]) }
            control[key]!.set(n)
        }
    }

    private mutating func updateFile(_ file: CurrentFile?) {
        guard let file else {
            fileInfo.hide()
            gauge(MetricNames.fileMessages, 0)
            gauge(MetricNames.fileBytes, 0)
            return
        }
        fileInfo.show([("path", file.path), ("name", (file.path as NSString).lastPathComponent)])
        gauge(MetricNames.fileMessages, Double(file.messages))
        gauge(MetricNames.fileBytes, Double(file.fileBytes))
    }

    /// Sources are fixed once the data path started; their series are made when first seen.
    private mutating func updateSources(_ states: [ConnectionMonitor.State]) {
        for (i, src) in states.enumerated() {
            if i == sources.count {
                let dims = [("source", src.name), ("endpoint", src.endpoint)]
                sources.append((InfoGauge(label: MetricNames.prefix + MetricNames.sourceState, factory: factory),
                                Meter(label: MetricNames.prefix + MetricNames.sourceConnected, dimensions: dims, factory: factory),
                                feed(MetricNames.sourceDisconnects, dims), feed(MetricNames.sourceHandshakeFailures, dims)))
            }
            sources[i].state.show([("source", src.name), ("endpoint", src.endpoint), ("state", src.state)])
            sources[i].connected.set(src.connected ? 1 : 0)
            sources[i].disconnects.set(src.disconnects)
            sources[i].handshakeFailures.set(src.handshakeFailures)
        }
    }

    /// No system call here: this runs on the metrics server's event loop.
    mutating func updateMonitoring(tap: DataTap?, closedFiles: ClosedFileWorker?, diskFree: Int?) {
        if let diskFree { gauge(MetricNames.diskFree, Double(diskFree)) }
        if let tap {
            total(MetricNames.tapMessages, tap.sent.load(ordering: .relaxed))
            total(MetricNames.tapDropped, tap.dropped.load(ordering: .relaxed))
        }
        if let w = closedFiles {
            total(MetricNames.sidecarsWritten, w.sidecarsWritten.load(ordering: .relaxed))
            total(MetricNames.sidecarFailures, w.sidecarFailures.load(ordering: .relaxed))
            total(MetricNames.onCloseFailures, w.onCloseFailures.load(ordering: .relaxed))
            gauge(MetricNames.closedFilesPending, Double(w.pending))
            if w.packets != nil {
                total(MetricNames.packetFiles, w.packetFiles.load(ordering: .relaxed))
                total(MetricNames.packetsWritten, w.packetsWritten.load(ordering: .relaxed))
                total(MetricNames.packetConversionFailures, w.packetFailures.load(ordering: .relaxed))
            }
        }
    }

    /// Creates the per-io_group counters of `g` (configured io_groups show from the start).
    private mutating func touchGroup(_ g: UInt8) {
        guard perGroup[MetricNames.messagesReceived]?[g] == nil else { return }
        let dims = [("io_group", String(g))]
        for name in MetricNames.perIOGroupCounters { perGroup[name, default: [:]][g] = feed(name, dims) }
    }

    private func feed(_ name: String, _ dims: [(String, String)] = []) -> CounterFeed {
        CounterFeed(CoreMetrics.Counter(label: MetricNames.prefix + name, dimensions: dims, factory: factory))
    }

    private mutating func total(_ name: String, _ value: Int) {
        if totals[name] == nil { totals[name] = feed(name) }
        totals[name]!.set(value)
    }

    private mutating func gauge(_ name: String, _ value: Double) {
        if gauges[name] == nil { gauges[name] = Meter(label: MetricNames.prefix + name, factory: factory) }
        gauges[name]!.set(value)
    }
}
