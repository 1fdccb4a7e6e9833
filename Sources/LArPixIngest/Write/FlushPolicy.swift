/// When the writer flushes: at least every `interval` (started early by the last timed flush's
/// duration, so rows become visible within the interval of their arrival), and also when what is
/// unflushed costs an eighth of the buffer (until a flush HDF5 holds a second copy of those
/// bytes, outside the buffer's bound). Both sides are in the buffer's own unit
/// (`MessageBudget.cost`: payload + overhead per message), so small messages trigger it too.
struct FlushPolicy: Sendable, Equatable {
    var interval: Double
    /// Unflushed cost that triggers a flush by size.
    var sizeTrigger: Int

    init(interval: Double, bufferMaxBytes: Int) {
        self.interval = interval
        sizeTrigger = max(1 << 20, bufferMaxBytes / 8)
    }

    enum Decision: Equatable { case notDue, bySize, timed }

    /// `sinceLast`: seconds since the last flush; `lead`: how early a timed flush starts.
    func decide(sinceLast: Double, lead: Double, unflushedCost: Int) -> Decision {
        if unflushedCost >= sizeTrigger { return .bySize }
        if sinceLast >= interval - lead { return .timed }
        return .notDue
    }

    /// Seconds until the next timed flush is due.
    func untilDue(sinceLast: Double, lead: Double) -> Double { interval - lead - sinceLast }

    /// The lead for the next timed flush after one that took `took` seconds: at most half the interval.
    func lead(afterFlushTaking took: Double) -> Double { min(took, interval / 2) }
}
