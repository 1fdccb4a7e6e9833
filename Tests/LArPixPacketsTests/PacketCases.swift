import Foundation
import PACMAN

/// Seeded raw messages covering every case of the conversion (issue 10, point 1): data words
/// of all four LArPix packet types with good and bad parity and random bit fields, trigger
/// words, sync words of types S, H and C (and others) with any clk_source byte, several
/// io_groups, requests and replies (ping, register write/read, error, tx words whose bytes
/// larpix-control can store), msg_words disagreeing with the length, 0 to 16,000 words.
struct PacketCases {
    var rng: SplitMix64
    let seed: UInt64

    init(seed: UInt64) {
        self.seed = seed
        rng = SplitMix64(seed: seed)
    }

    static let ioGroups: [UInt8] = [1, 2, 3, 7, 0, 255]

    mutating func next(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// A data word: random packet with the chosen packet type and parity left random (so both
    /// good and bad parity occur), random pad bytes (larpix-control ignores them).
    mutating func dataWord() -> [UInt8] {
        var w = [UInt8](repeating: 0, count: 16)
        w[0] = 0x44
        w[1] = UInt8(truncatingIfNeeded: rng.next())
        put(&w, 2, UInt32(truncatingIfNeeded: rng.next()))
        w[6] = UInt8(truncatingIfNeeded: rng.next()); w[7] = UInt8(truncatingIfNeeded: rng.next())
        put(&w, 8, rng.next())
        return w
    }

    mutating func triggerWord() -> [UInt8] {
        var w = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        w[0] = 0x54
        return w
    }

    mutating func syncWord() -> [UInt8] {
        var w = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        w[0] = 0x53
        let types: [UInt8] = [0x53, 0x48, 0x43, 0x53, 0x48, 0x43, 0x00, 0x7A]
        w[1] = types[next(types.count)]
        return w
    }

    mutating func dataMessage(words: Int, declared: Int? = nil) -> [UInt8] {
        var m = header(0x44, words: declared ?? words)
        for _ in 0..<words {
            switch next(10) {
            case 0: m += triggerWord()
            case 1: m += syncWord()
            default: m += dataWord()
            }
        }
        return m
    }

    /// A request or reply: pings, register writes/reads, errors (replies), and tx words whose
    /// 8 packet bytes spell a decimal number (what larpix-control can store as receipt_timestamp).
    mutating func controlMessage(reply: Bool) -> [UInt8] {
        let n = 1 + next(5)
        var m = header(reply ? 0x21 : 0x3F, words: n)
        for _ in 0..<n {
            var w = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let kinds: [UInt8] = reply ? [0x50, 0x57, 0x52, 0x45, 0x44] : [0x50, 0x57, 0x52, 0x44]
            w[0] = kinds[next(kinds.count)]
            if w[0] == 0x44 {
                let spellings = ["12345678", " 1234567", "+0000042", "-1234567", "1_2_3_45", "\t99\n    "]
                w.replaceSubrange(8..<16, with: Array(spellings[next(spellings.count)].utf8))
            }
            m += w
        }
        return m
    }

    func header(_ type: UInt8, words: Int) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 8)
        h[0] = type
        put(&h, 1, UInt32(1_700_000_000 + words))
        h[6] = UInt8(words & 0xFF); h[7] = UInt8(words >> 8)
        return h
    }

    func put<T: FixedWidthInteger>(_ b: inout [UInt8], _ at: Int, _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { for (i, x) in $0.enumerated() { b[at + i] = x } }
    }

    /// `count` messages: mostly real 2x2 sizes (0-6 words), some of 64, control messages, a few
    /// word-count mismatches; `big` adds messages of 4,000 and 16,000 words.
    mutating func messages(_ count: Int, big: Bool = false) -> (messages: [[UInt8]], ioGroups: [UInt8]) {
        var ms: [[UInt8]] = [], gs: [UInt8] = []
        for i in 0..<count {
            let m: [UInt8]
            switch next(20) {
            case 0: m = dataMessage(words: 64)
            case 1: m = controlMessage(reply: false)
            case 2: m = controlMessage(reply: true)
            case 3: m = dataMessage(words: 1 + next(6), declared: next(9))
            default: m = dataMessage(words: i == 0 ? 0 : next(7))
            }
            ms.append(m)
            gs.append(Self.ioGroups[next(Self.ioGroups.count)])
        }
        if big {
            for w in [4000, 16000] {
                let at = next(ms.count + 1)
                ms.insert(dataMessage(words: w), at: at)
                gs.insert(Self.ioGroups[next(Self.ioGroups.count)], at: at)
            }
        }
        return (ms, gs)
    }
}
