import Foundation
import LArPixIngest

/// The data-quality part of `larpix-raw status`: per io_group, the words by type, the ages of
/// the last heartbeat and 'S' sync, time jumps and timestamp resets, read from the metrics.
struct QualityStatus {
    struct Group {
        var ioGroup: Int
        var dataWords = 0, triggerWords = 0
        var syncWords: [String: Int] = [:]
        var sinceHeartbeat: Double?, sinceSync: Double?
        var jumpsBackward = 0, jumpsForward = 0, timestampResets = 0, unparsed = 0
    }

    var groups: [Group] = []

    /// `byName`: the daemon's samples by metric name without the prefix.
    init(_ byName: [String: [MetricSample]]) {
        var out: [Int: Group] = [:]
        func each(_ n: String, _ set: (inout Group, MetricSample) -> Void) {
            for s in byName[n] ?? [] {
                guard let g = s.labels["io_group"].flatMap(Int.init) else { continue }
                set(&out[g, default: Group(ioGroup: g)], s)
            }
        }
        each(MetricNames.dataWords) { $0.dataWords = Int($1.value) }
        each(MetricNames.triggerWords) { $0.triggerWords = Int($1.value) }
        each(MetricNames.syncWords) { g, s in g.syncWords[s.labels["sync_type"] ?? "?"] = Int(s.value) }
        each(MetricNames.secondsSinceLastHeartbeat) { $0.sinceHeartbeat = $1.value }
        each(MetricNames.secondsSinceLastSync) { $0.sinceSync = $1.value }
        each(MetricNames.timeJumps) { g, s in
            if s.labels["direction"] == "backward" { g.jumpsBackward = Int(s.value) } else { g.jumpsForward = Int(s.value) }
        }
        each(MetricNames.timestampResets) { $0.timestampResets = Int($1.value) }
        each(MetricNames.unparsedMessages) { $0.unparsed = Int($1.value) }
        groups = out.values.sorted { $0.ioGroup < $1.ioGroup }
    }

    /// A table, one row per io_group ("" when nothing was counted).
    var text: String {
        guard !groups.isEmpty else { return "" }
        func ago(_ s: Double?) -> String { s.map { DaemonStatus.duration($0) + " ago" } ?? "never" }
        var out = "\nquality:\n"
        for g in groups {
            let syncs = ["H", "S", "C", "other"].map { "\($0) \(g.syncWords[$0] ?? 0)" }.joined(separator: ", ")
            out += "  io_group \(g.ioGroup): \(g.dataWords) data, \(g.triggerWords) trigger words; sync words \(syncs)\n"
            out += "    last heartbeat \(ago(g.sinceHeartbeat)), last sync \(ago(g.sinceSync)); time jumps \(g.jumpsBackward) back, \(g.jumpsForward) ahead; timestamp resets not at a sync \(g.timestampResets)"
            out += g.unparsed > 0 ? "; \(g.unparsed) messages not PACMAN data\n" : "\n"
        }
        return out
    }

    var json: JSONValue {
        .array(groups.map { g in
            .object([("io_group", .int(g.ioGroup)), ("data_words", .int(g.dataWords)), ("trigger_words", .int(g.triggerWords)),
                     ("sync_words", .object(["H", "S", "C", "other"].map { ($0, .int(g.syncWords[$0] ?? 0)) })),
                     (MetricNames.secondsSinceLastHeartbeat, g.sinceHeartbeat.map { .double($0) } ?? .null),
                     (MetricNames.secondsSinceLastSync, g.sinceSync.map { .double($0) } ?? .null),
                     ("time_jumps", .object([("backward", .int(g.jumpsBackward)), ("forward", .int(g.jumpsForward))])),
                     ("timestamp_resets", .int(g.timestampResets)), ("unparsed_messages", .int(g.unparsed))])
        })
    }
}
