import Foundation
import LArPixIngest

/// What an operator watches the daemon with, all optional: Prometheus metrics, the live data
/// tap, the latest-file link, and per closed file a sidecar and the on_close command.
public struct MonitoringSettings: Sendable, Equatable {
    /// HOST:PORT for /metrics; "" = off.
    public var metricsListen = ""
    /// ZeroMQ endpoint to bind the tap's PUB socket on; "" = off.
    public var tapListen = ""
    public var tapSendHighWaterMark = 10_000
    public var sidecars = false
    /// Link name in the output directory; "" = off.
    public var latestLink = ""
    public var onClose: [String] = []

    public init() {}

    /// What a configuration asks for.
    public init(config c: DaemonConfig) {
        metricsListen = c.metricsListen
        tapListen = c.tap.listen
        tapSendHighWaterMark = c.tap.sendHighWaterMark
        sidecars = c.output.sidecar
        latestLink = c.output.latestLink
        onClose = c.output.onClose
    }
}
