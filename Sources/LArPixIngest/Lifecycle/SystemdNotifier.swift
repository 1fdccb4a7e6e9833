import CSystemd
import Foundation

/// sd_notify(3) for Type=notify units. Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// The watchdog interval systemd asked for (WatchdogSec=), if any.
    public var watchdogInterval: Double? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return Double(usec) / 1e6
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func stopping() { send("STOPPING=1") }
    public func watchdog() { send("WATCHDOG=1") }

    /// sd_notify is itself a no-op without NOTIFY_SOCKET.
    private func send(_ state: String) { _ = sd_notify(0, state) }
}
