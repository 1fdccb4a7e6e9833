import PACMAN

/// Counts what each received message says about its board (`MessageQuality`), keeping per
/// io_group what the next message is judged against: the last header time and when it came, the
/// last data-word receipt timestamp and whether an 'S' sync came since. One per receiver (an
/// io_group comes from one source), on its thread: pure, no lock, no allocation per message.
package struct QualityCounter: Sendable {
    private struct GroupState: Sendable {
        var hasTime = false
        var lastTime: UInt32 = 0
        var lastArrival: UInt64 = 0
        var hasTimestamp = false
        var lastTimestamp: UInt32 = 0
        var syncSinceTimestamp = false
    }

    /// Header seconds may differ from the time that passed here by this much before a jump is counted.
    package let timeJumpSeconds: Int64
    private var groups = [GroupState](repeating: GroupState(), count: 256)

    package init(timeJumpSeconds: Int) { self.timeJumpSeconds = Int64(timeJumpSeconds) }

    /// Judges one message of `ioGroup` that arrived at `now` (monotonic ns, one clock per burst).
    @inline(__always)
    package mutating func count(_ p: UnsafeRawBufferPointer, ioGroup: UInt8, at now: UInt64) -> MessageQuality {
        var q = MessageQuality()
        let n = p.count
        guard n >= PacmanMessage.headerBytes, p[0] == PacmanMessageType.data.rawValue else {
            q.unparsed = 1
            return q
        }
        let words = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))
        guard n == PacmanMessage.headerBytes + PacmanMessage.wordBytes * words else {
            q.unparsed = 1
            return q
        }
        // Static helpers: a method of self would hold a second reference to `groups` while one
        // element is mutated, and copy all 256 states for every message.
        let gap = timeJumpSeconds
        groups.withUnsafeMutableBufferPointer { states in
            let s = states.baseAddress! + Int(ioGroup)
            Self.judgeTime(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 1, as: UInt32.self)), gap, &s.pointee, now, &q)
            Self.countWords(p, words, &s.pointee, &q)
        }
        return q
    }

    /// Header seconds against the io_group's previous message: back by more than the gap, or
    /// ahead of the time that passed here by more than the gap (an idle board is no jump).
    @inline(__always)
    private static func judgeTime(_ t: UInt32, _ gap: Int64, _ s: inout GroupState, _ now: UInt64, _ q: inout MessageQuality) {
        if s.hasTime {
            let delta = Int64(t) - Int64(s.lastTime)
            let elapsed = Int64((now &- s.lastArrival) / 1_000_000_000)
            if delta < -gap { q.timeJumpsBackward = 1 }
            else if delta - elapsed > gap { q.timeJumpsForward = 1 }
        }
        s.hasTime = true
        s.lastTime = t
        s.lastArrival = now
    }

    @inline(__always)
    private static func countWords(_ p: UnsafeRawBufferPointer, _ words: Int, _ s: inout GroupState, _ q: inout MessageQuality) {
        var o = PacmanMessage.headerBytes
        for _ in 0..<words {
            switch p[o] {
            case PacmanWordType.data.rawValue:
                q.dataWords &+= 1
                let ts = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o + 2, as: UInt32.self))
                if s.hasTimestamp && ts < s.lastTimestamp && !s.syncSinceTimestamp && !Self.wrapped(s.lastTimestamp, ts) {
                    q.timestampResets &+= 1
                }
                s.hasTimestamp = true
                s.lastTimestamp = ts
                s.syncSinceTimestamp = false
            case PacmanWordType.trigger.rawValue:
                q.triggerWords &+= 1
            case PacmanWordType.sync.rawValue:
                switch p[o + 1] {
                case PacmanSyncType.sync:
                    q.syncs &+= 1
                    s.syncSinceTimestamp = true
                case PacmanSyncType.heartbeat: q.heartbeats &+= 1
                case PacmanSyncType.clockSwitch: q.clockSwitches &+= 1
                default: q.otherSyncs &+= 1
                }
            default:
                break
            }
            o += PacmanMessage.wordBytes
        }
    }

    /// A 32-bit counter that ran over (a board without syncs wraps every 429 s): no reset.
    @inline(__always)
    private static func wrapped(_ last: UInt32, _ now: UInt32) -> Bool { last >= 0xF000_0000 && now < 0x1000_0000 }
}
