/// Deterministic, well-formed PACMAN data messages (for the emulator and tests): the same seed
/// gives the same messages on every machine.
public struct PacmanMessageBuilder: Sendable {
    private var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// A data message of `words` words at Unix time `time`: mostly data words carrying a plausible
    /// io_channel, receipt timestamp and 8-byte LArPix packet, with an occasional trigger or sync.
    public mutating func dataMessage(words: Int, time: UInt32) -> [UInt8] {
        var m = [UInt8](repeating: 0, count: PacmanMessage.headerBytes + PacmanMessage.wordBytes * words)
        m.withUnsafeMutableBytes { p in fill(p, words: words, time: time) }
        return m
    }

    /// Writes a data message of `words` words into `p` (which must hold exactly its length).
    public mutating func fill(_ p: UnsafeMutableRawBufferPointer, words: Int, time: UInt32) {
        precondition(words >= 0 && words <= Int(UInt16.max) && p.count == 8 + 16 * words)
        p[0] = PacmanMessage.MessageType.data.rawValue
        p.storeBytes(of: time.littleEndian, toByteOffset: 1, as: UInt32.self)
        p[5] = 0
        p.storeBytes(of: UInt16(words).littleEndian, toByteOffset: 6, as: UInt16.self)
        for i in 0..<words {
            let o = 8 + 16 * i
            let r = rng.next()
            let kind = r % 100
            let stamp = UInt32(truncatingIfNeeded: r >> 8)
            if kind == 0 {
                p[o] = PacmanMessage.WordType.trigger.rawValue
                p[o + 1] = UInt8(truncatingIfNeeded: r >> 40)   // trigger_type
                p[o + 2] = 0; p[o + 3] = 0
                p.storeBytes(of: stamp.littleEndian, toByteOffset: o + 4, as: UInt32.self)
                p.storeBytes(of: UInt64(0), toByteOffset: o + 8, as: UInt64.self)
            } else if kind == 1 {
                p[o] = PacmanMessage.WordType.sync.rawValue
                p[o + 1] = 0x53                                   // sync_type 'S'
                p[o + 2] = UInt8(truncatingIfNeeded: r >> 48) & 1 // clk_source
                p[o + 3] = 0
                p.storeBytes(of: stamp.littleEndian, toByteOffset: o + 4, as: UInt32.self)
                p.storeBytes(of: UInt64(0), toByteOffset: o + 8, as: UInt64.self)
            } else {
                p[o] = PacmanMessage.WordType.data.rawValue
                p[o + 1] = UInt8(1 + (r >> 56) % 32)              // io_channel 1-32
                p.storeBytes(of: stamp.littleEndian, toByteOffset: o + 2, as: UInt32.self)
                p[o + 6] = 0; p[o + 7] = 0
                p.storeBytes(of: rng.next().littleEndian, toByteOffset: o + 8, as: UInt64.self)
            }
        }
    }

    /// A uniformly drawn integer in `range` from the same deterministic stream.
    public mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
