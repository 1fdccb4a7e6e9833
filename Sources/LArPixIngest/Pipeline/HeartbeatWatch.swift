/// Decides when to say that a board (io_group) stopped sending heartbeats and when it resumed:
/// a board that sent at least one heartbeat and then none for `timeout` is "stopped" (logged
/// once, then again at most every `repeatInterval` while it stays so); its next heartbeat is
/// "resumed". A board that never sent one is never judged (an emulator, an old firmware).
/// Pure: the writer's once-a-second tick feeds it the table's last-heartbeat times.
package struct HeartbeatWatch: Sendable {
    package enum Event: Equatable, Sendable {
        case stopped(ioGroup: UInt8, silentSeconds: Double)
        case stillStopped(ioGroup: UInt8, silentSeconds: Double)
        case resumed(ioGroup: UInt8, silentSeconds: Double)
    }

    package let timeoutNanoseconds: UInt64
    package let repeatNanoseconds: UInt64
    /// io_group -> (its last heartbeat when judged stopped, when last logged).
    private var stopped: [UInt8: (lastHeartbeat: UInt64, loggedAt: UInt64)] = [:]

    package init(timeout: Double, repeatInterval: Double = 600) {
        timeoutNanoseconds = UInt64(timeout * 1e9)
        repeatNanoseconds = UInt64(repeatInterval * 1e9)
    }

    /// `lastHeartbeat`: monotonic ns of each io_group's last heartbeat (0: never); `now` likewise.
    package mutating func observe(lastHeartbeat: [UInt64], now: UInt64) -> [Event] {
        var events: [Event] = []
        for (g, last) in lastHeartbeat.enumerated() where last > 0 {
            let group = UInt8(g)
            if let s = stopped[group] {
                if last > s.lastHeartbeat {
                    events.append(.resumed(ioGroup: group, silentSeconds: Self.seconds(last &- s.lastHeartbeat)))
                    stopped[group] = nil
                } else if now &- s.loggedAt >= repeatNanoseconds {
                    events.append(.stillStopped(ioGroup: group, silentSeconds: Self.seconds(now &- last)))
                    stopped[group] = (last, now)
                }
            } else if now > last && now - last > timeoutNanoseconds {
                events.append(.stopped(ioGroup: group, silentSeconds: Self.seconds(now - last)))
                stopped[group] = (last, now)
            }
        }
        return events
    }

    /// The io_groups judged stopped now.
    package var stoppedIOGroups: [UInt8] { stopped.keys.sorted() }

    private static func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }
}
