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
        guard n >= 8, p[0] == 0x44 else { // the header; 'D', PacmanMessageType.data
            q.unparsed = 1
            return q
        }
        let words = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 6, as: UInt16.self)))
        guard n == 8 + 16 * words else {
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

    // The type bytes are literals: PACMAN's enums and static lets are other-module accessors,
    // one call (and a once-check) each per word. The tests build their messages with PACMAN's.
    // The state and counts live in locals for the loop (stores through `s` would be kept in
    // memory, since it may alias the payload).
    @inline(__always)
    private static func countWords(_ p: UnsafeRawBufferPointer, _ words: Int, _ s: inout GroupState, _ q: inout MessageQuality) {
        guard words > 0, let base = p.baseAddress else { return }
        var last = s.lastTimestamp, syncSince = s.syncSinceTimestamp
        var data: UInt16 = 0, trigger: UInt16 = 0, sync: UInt16 = 0, heartbeat: UInt16 = 0, clock: UInt16 = 0, other: UInt16 = 0
        var resets: UInt16 = 0
        var w = base + 8
        for _ in 0..<words {
            switch w.load(as: UInt8.self) {
            case 0x44: // 'D', PacmanWordType.data
                data &+= 1
                let ts = UInt32(littleEndian: w.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
                // The first word of an io_group compares with 0: never a reset.
                if ts < last && !syncSince && !wrapped(last, ts) { resets &+= 1 }
                last = ts
                syncSince = false
            case 0x54: // 'T', PacmanWordType.trigger
                trigger &+= 1
            case 0x53: // 'S', PacmanWordType.sync
                switch w.load(fromByteOffset: 1, as: UInt8.self) {
                case 0x53: // PacmanSyncType.sync
                    sync &+= 1
                    syncSince = true
                case 0x48: heartbeat &+= 1 // PacmanSyncType.heartbeat
                case 0x43: clock &+= 1 // PacmanSyncType.clockSwitch
                default: other &+= 1
                }
            default:
                break
            }
            w += 16
        }
        (s.lastTimestamp, s.syncSinceTimestamp) = (last, syncSince)
        (q.dataWords, q.triggerWords, q.syncs, q.heartbeats, q.clockSwitches, q.otherSyncs, q.timestampResets) =
            (data, trigger, sync, heartbeat, clock, other, resets)
    }

    /// A 32-bit counter that ran over (a board without syncs wraps every 429 s): no reset.
    @inline(__always)
    private static func wrapped(_ last: UInt32, _ now: UInt32) -> Bool { last >= 0xF000_0000 && now < 0x1000_0000 }
}
