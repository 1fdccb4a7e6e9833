/// Running totals of `MessageQuality` for one io_group: the data-quality counters of the
/// metrics (everything received) and of a file's sidecar (what was written to it).
package struct QualityCounts: Sendable, Equatable {
    package var dataWords = 0
    package var triggerWords = 0
    package var heartbeats = 0
    package var syncs = 0
    package var clockSwitches = 0
    package var otherSyncs = 0
    package var timestampResets = 0
    package var timeJumpsBackward = 0
    package var timeJumpsForward = 0
    package var unparsedMessages = 0

    package init() {}

    @inline(__always)
    package mutating func add(_ q: MessageQuality) {
        dataWords &+= Int(q.dataWords)
        triggerWords &+= Int(q.triggerWords)
        heartbeats &+= Int(q.heartbeats)
        syncs &+= Int(q.syncs)
        clockSwitches &+= Int(q.clockSwitches)
        otherSyncs &+= Int(q.otherSyncs)
        timestampResets &+= Int(q.timestampResets)
        timeJumpsBackward &+= Int(q.timeJumpsBackward)
        timeJumpsForward &+= Int(q.timeJumpsForward)
        unparsedMessages &+= Int(q.unparsed)
    }

    /// Sync words by sync_type, as the metrics label them.
    package var syncsByType: [(type: String, count: Int)] {
        [("H", heartbeats), ("S", syncs), ("C", clockSwitches), ("other", otherSyncs)]
    }

    package var isEmpty: Bool { self == QualityCounts() }

    /// The sidecar's `quality` object of one io_group (also what `larpix-raw status --json` shows).
    package var json: [String: Any] {
        ["data_words": dataWords, "trigger_words": triggerWords,
         "sync_words": ["H": heartbeats, "S": syncs, "C": clockSwitches, "other": otherSyncs],
         "timestamp_resets": timestampResets,
         "time_jumps": ["backward": timeJumpsBackward, "forward": timeJumpsForward],
         "unparsed_messages": unparsedMessages]
    }
}
