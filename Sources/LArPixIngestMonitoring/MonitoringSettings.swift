import Foundation
import LArPixIngest

/// What an operator watches the daemon with, all optional: Prometheus metrics, the live data
/// tap, the latest-file link, and per closed file a sidecar and the on_close command.
public struct MonitoringSettings: Sendable {
    /// HOST:PORT for /metrics; "" = off.
    public var metricsListen = ""
    /// ZeroMQ endpoint to bind the tap's PUB socket on; "" = off.
    public var tapListen = ""
    public var tapSendHighWaterMark = 10_000
    public var sidecars = false
    /// Link name in the output directory; "" = off.
    public var latestLink = ""
    public var onClose: [String] = []
    /// The site's fields of the sidecars' catalog records.
    package var catalog = CatalogRecord.Settings()
    /// Packet files of closed raw files: the converter and where they go (nil: none).
    var packets: PacketConversion?

    public init() {}

    /// What a configuration asks for.
    public init(config c: DaemonConfig) {
        metricsListen = c.metricsListen
        tapListen = c.tap.listen
        tapSendHighWaterMark = c.tap.sendHighWaterMark
        sidecars = c.output.sidecar
        latestLink = c.output.latestLink
        onClose = c.output.onClose
        catalog = CatalogRecord.Settings(c.catalog)
    }

    /// What a configuration asks for; a packets section whose converter cannot be found is a
    /// configuration error naming packets.converter.
    public static func checked(_ c: DaemonConfig) throws(ConfigError) -> MonitoringSettings {
        var m = MonitoringSettings(config: c)
        guard c.packets.enabled else { return m }
        guard let converter = PacketConversion.converter(configured: c.packets.converter) else {
            throw ConfigError(file: c.origin, key: "packets.converter",
                              problem: "no larpix-raw beside larpix-rawd or on PATH (give its path)")
        }
        m.packets = PacketConversion(converter: converter,
                                     directory: c.packets.directory.isEmpty ? nil : c.packets.directory)
        return m
    }
}
