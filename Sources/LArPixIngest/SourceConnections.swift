/// Every source's connection state, as its receiver's SourceMonitor keeps it (for metrics and
/// systemd STATUS=).
struct SourceConnections: Sendable {
    let monitors: [SourceMonitor]

    var snapshot: [SourceMonitor.State] { monitors.map(\.state) }
}
