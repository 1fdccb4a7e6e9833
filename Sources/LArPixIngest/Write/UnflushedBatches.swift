/// Batches appended to the current file since its last successful flush. They keep their share
/// of the buffer until the flush makes them durable: if the file fails before that, they are
/// written again to the next file, so a failed flush loses nothing.
struct UnflushedBatches {
    private(set) var batches: [Batch] = []
    private(set) var bytes = 0
    private(set) var messages = 0

    /// What the disk will need for them when they are flushed.
    var bytesNeeded: Int { DiskSpace.bytesNeeded(messages: messages, bytes: bytes) }
    /// What they cost the buffer (its unit, for the size-triggered flush).
    var bufferCost: Int { MessageBudget.cost(messages: messages, payloadBytes: bytes) }

    mutating func add(_ b: Batch) {
        batches.append(b)
        bytes += b.bytes
        messages += b.count
    }

    mutating func takeAll() -> [Batch] {
        defer { batches = []; bytes = 0; messages = 0 }
        return batches
    }
}
