import CoreMetrics

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
