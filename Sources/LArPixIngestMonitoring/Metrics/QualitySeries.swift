import CoreMetrics
import LArPixIngest
import Prometheus

/// One io_group's data-quality series: counters fed from the table's totals, and the ages of
/// the last heartbeat and 'S' sync (shown only once one came: 0 s for a board that never sent
/// one would mislead). Only touched under DaemonMetrics' lock.
final class QualitySeries {
    private let dataWords, triggerWords, resets, unparsed, jumpsBack, jumpsForward: CounterFeed
    private let syncs: [CounterFeed]
    private let group: String
    private let factory: PrometheusMetricsFactory
    private var sinceHeartbeat: Meter?
    private var sinceSync: Meter?

    init(ioGroup: UInt8, factory f: PrometheusMetricsFactory) {
        group = String(ioGroup)
        factory = f
        func feed(_ name: String, _ extra: [(String, String)] = []) -> CounterFeed {
            CounterFeed(CoreMetrics.Counter(label: MetricNames.prefix + name, dimensions: [("io_group", String(ioGroup))] + extra, factory: f))
        }
        dataWords = feed(MetricNames.dataWords)
        triggerWords = feed(MetricNames.triggerWords)
        syncs = QualityCounts().syncsByType.map { feed(MetricNames.syncWords, [("sync_type", $0.type)]) }
        jumpsBack = feed(MetricNames.timeJumps, [("direction", "backward")])
        jumpsForward = feed(MetricNames.timeJumps, [("direction", "forward")])
        resets = feed(MetricNames.timestampResets)
        unparsed = feed(MetricNames.unparsedMessages)
    }

    func update(_ q: QualityCounts, lastHeartbeat: UInt64, lastSync: UInt64, now: UInt64) {
        dataWords.set(q.dataWords)
        triggerWords.set(q.triggerWords)
        for (feed, s) in zip(syncs, q.syncsByType) { feed.set(s.count) }
        jumpsBack.set(q.timeJumpsBackward)
        jumpsForward.set(q.timeJumpsForward)
        resets.set(q.timestampResets)
        unparsed.set(q.unparsedMessages)
        if lastHeartbeat > 0 { age(&sinceHeartbeat, MetricNames.secondsSinceLastHeartbeat, now &- lastHeartbeat) }
        if lastSync > 0 { age(&sinceSync, MetricNames.secondsSinceLastSync, now &- lastSync) }
    }

    private func age(_ meter: inout Meter?, _ name: String, _ ns: UInt64) {
        if meter == nil { meter = Meter(label: MetricNames.prefix + name, dimensions: [("io_group", group)], factory: factory) }
        meter!.set(Double(ns) / 1e9)
    }
}
