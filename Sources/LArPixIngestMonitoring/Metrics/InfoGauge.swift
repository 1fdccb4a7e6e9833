import CoreMetrics

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
