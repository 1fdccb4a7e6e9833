/// Where a receiver thread's bursts go: the byte budget each message is taken from, then the
/// batcher and the counts, a whole burst under one lock.
struct BurstHandoff: Sendable {
    let batcher: Batcher
    let budget: MessageBudget
    let stats: IngestStats

    /// Takes a message's bytes from the budget. When that has to wait, what `burst` holds is
    /// handed on first: the writer frees the budget only from what reaches it.
    @inline(__always)
    func reserve(payloadBytes: Int, handingOn burst: inout ReceivedBurst) {
        if budget.tryTake(payloadBytes: payloadBytes) { return }
        handOn(&burst)
        budget.take(payloadBytes: payloadBytes)
    }

    func handOn(_ burst: inout ReceivedBurst) {
        guard !burst.isEmpty else { return }
        stats.received(burst, at: ProcessClock.nanoseconds)
        batcher.add(burst)
        burst.removeAll()
    }
}
