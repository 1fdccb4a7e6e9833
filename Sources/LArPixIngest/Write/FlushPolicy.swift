/// When the writer flushes: at least every `interval` (started early by the last timed flush's
/// duration, so rows become visible within the interval of their arrival), and also when what is
/// unflushed costs an eighth of the buffer (until a flush HDF5 holds a second copy of those
/// bytes, outside the buffer's bound). Both sides are in the buffer's own unit
/// (`MessageBudget.cost`: payload + overhead per message), so small messages trigger it too.
/// And once the input has been idle for `idleDelay` with rows unflushed, at once: the tail of a
/// burst becomes visible after the idle delay plus one flush, not up to a whole interval later;
/// under steady load the interval stays the bound (the input is never idle that long).
struct FlushPolicy: Sendable, Equatable {
    var interval: Double
    /// Unflushed cost that triggers a flush by size.
    var sizeTrigger: Int
    /// Seconds without input after which unflushed rows are flushed; 0 = never early.
    var idleDelay: Double

    init(interval: Double, bufferMaxBytes: Int, idleDelay: Double = 0) {
        self.interval = interval
        sizeTrigger = max(1 << 20, bufferMaxBytes / 8)
        self.idleDelay = idleDelay
    }

    enum Decision: Equatable { case notDue, bySize, timed, idle }

    /// `sinceLast`: seconds since the last flush; `lead`: how early a timed flush starts;
    /// `idleFor`: seconds since the last input; `dirty`: rows appended since the last flush.
    func decide(sinceLast: Double, lead: Double, unflushedCost: Int, idleFor: Double = 0, dirty: Bool = false) -> Decision {
        if unflushedCost >= sizeTrigger { return .bySize }
        if sinceLast >= interval - lead { return .timed }
        if isIdle(idleFor) && dirty { return .idle }
        return .notDue
    }

    /// Whether the input counts as idle (what is still in the batcher is sealed then, to be flushed).
    func isIdle(_ idleFor: Double) -> Bool { idleDelay > 0 && idleFor >= idleDelay }

    /// Seconds until the input counts as idle (nil: idle flushing off, or idle already).
    func untilIdle(_ idleFor: Double) -> Double? { idleDelay > 0 && idleFor < idleDelay ? idleDelay - idleFor : nil }

    /// Seconds until the next timed flush is due.
    func untilDue(sinceLast: Double, lead: Double) -> Double { interval - lead - sinceLast }

    /// The lead for the next timed flush after one that took `took` seconds: at most half the interval.
    func lead(afterFlushTaking took: Double) -> Double { min(took, interval / 2) }
}
