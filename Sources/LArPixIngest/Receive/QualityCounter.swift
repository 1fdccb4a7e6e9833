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
            if delta < -gap { q.timeJumpsBackward = 1 }
            // The time that passed here only when the header ran ahead (no division per message).
            else if delta > gap && delta - Int64((now &- s.lastArrival) / 1_000_000_000) > gap { q.timeJumpsForward = 1 }
        }
        s.hasTime = true
        s.lastTime = t
        s.lastArrival = now
    }

    // The type bytes are literals: PACMAN's enums and static lets are other-module accessors,
    // one call (and a once-check) each per word. The tests build their messages with PACMAN's.
    // The state lives in locals for the loop (stores through `s` would be kept in memory, since
    // it may alias the payload). Data words, nearly all of them, take the first branch and
    // count nothing: they are what the other kinds leave of the message's words.
    @inline(__always)
    private static func countWords(_ p: UnsafeRawBufferPointer, _ words: Int, _ s: inout GroupState, _ q: inout MessageQuality) {
        guard words > 0, let base = p.baseAddress else { return }
        var last = s.lastTimestamp, syncSince = s.syncSinceTimestamp
        var others = MessageQuality(), resets: UInt16 = 0
        var w = base + 8
        let end = w + 16 * words
        while w < end {
            if _fastPath(w.load(as: UInt8.self) == 0x44) { // 'D', PacmanWordType.data
                let ts = UInt32(littleEndian: w.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
                // The first word of an io_group compares with 0: never a reset.
                if _slowPath(ts < last) && !syncSince && !wrapped(last, ts) { resets &+= 1 }
                last = ts
                syncSince = false
            } else if countOther(w, &others) {
                syncSince = true
            }
            w += 16
        }
        (s.lastTimestamp, s.syncSinceTimestamp) = (last, syncSince)
        q.triggerWords = others.triggerWords
        (q.syncs, q.heartbeats, q.clockSwitches, q.otherSyncs) = (others.syncs, others.heartbeats, others.clockSwitches, others.otherSyncs)
        q.timestampResets = resets
        q.dataWords = UInt16(truncatingIfNeeded: words) &- others.triggerWords &- others.syncs &- others.heartbeats
            &- others.clockSwitches &- others.otherSyncs &- others.dataWords // here: words of unknown type
    }

    /// A word that is not a data word, counted in `q` (`q.dataWords`: words of unknown type);
    /// true for an 'S' sync. Out of line, so the data words' loop stays short.
    @inline(never)
    private static func countOther(_ w: UnsafeRawPointer, _ q: inout MessageQuality) -> Bool {
        switch w.load(as: UInt8.self) {
        case 0x54: q.triggerWords &+= 1 // 'T', PacmanWordType.trigger
        case 0x53: // 'S', PacmanWordType.sync
            switch w.load(fromByteOffset: 1, as: UInt8.self) {
            case 0x53: // PacmanSyncType.sync
                q.syncs &+= 1
                return true
            case 0x48: q.heartbeats &+= 1 // PacmanSyncType.heartbeat
            case 0x43: q.clockSwitches &+= 1 // PacmanSyncType.clockSwitch
            default: q.otherSyncs &+= 1
            }
        default: q.dataWords &+= 1
        }
        return false
    }

    /// A 32-bit counter that ran over (a board without syncs wraps every 429 s): no reset.
    @inline(__always)
    private static func wrapped(_ last: UInt32, _ now: UInt32) -> Bool { last >= 0xF000_0000 && now < 0x1000_0000 }
}
