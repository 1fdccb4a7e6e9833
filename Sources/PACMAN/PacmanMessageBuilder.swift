/// Deterministic, well-formed PACMAN messages for the emulator and tests: the same seed gives
/// the same bytes on every run and machine (integer arithmetic only, explicit little-endian).
public struct PacmanMessageBuilder: Sendable {
    private var rng: SplitMix64
    /// The board's 32-bit timestamp counter, advanced a little per word so that timestamps
    /// increase (wrapping) the way a board's do.
    private var clock: UInt32

    public init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        clock = UInt32(truncatingIfNeeded: rng.next())
    }

    /// The length of a message of `words` words: 8 + 16 x words.
    public static func messageBytes(words: Int) -> Int { PacmanMessage.headerBytes + PacmanMessage.wordBytes * words }

    /// The next word count drawn uniformly from `range` (as the emulator does before each message).
    public mutating func nextWordCount(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    /// The next generated data message: `words` words at Unix time `time`.
    public mutating func nextDataMessage(words: Int, time: UInt32) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.messageBytes(words: words)) { buffer, count in
            fillDataMessage(UnsafeMutableRawBufferPointer(buffer), words: words, time: time)
            count = buffer.count
        }
    }

    /// Writes the next generated data message into `p`, which must be exactly
    /// `messageBytes(words:)` long (the emulator writes straight into libzmq's buffer).
    /// Mostly data words (plausible io_channel, receipt timestamp and LArPix data packet),
    /// about 1 in 100 a trigger and 1 in 100 a sync.
    public mutating func fillDataMessage(_ p: UnsafeMutableRawBufferPointer, words: Int, time: UInt32) {
        precondition((0...Int(UInt16.max)).contains(words) && p.count == Self.messageBytes(words: words),
                     "a data message of \(words) words needs \(Self.messageBytes(words: words)) bytes, got \(p.count)")
        Self.writeHeader(p, type: .data, time: time, words: words)
        var offset = PacmanMessage.headerBytes
        for _ in 0..<words {
            // Each word is two little-endian UInt64 stores: this runs at memory speed, so the
            // emulator can outpace the daemon it tests. The layout is PacmanWord.encode's.
            let (low, high) = nextWord()
            p.storeBytes(of: low.littleEndian, toByteOffset: offset, as: UInt64.self)
            p.storeBytes(of: high.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
            offset += PacmanMessage.wordBytes
        }
    }

    /// The next word as its bytes 0-7 and 8-15, each read little-endian.
    private mutating func nextWord() -> (UInt64, UInt64) {
        let r = rng.next()
        clock &+= UInt32(truncatingIfNeeded: r >> 32) % 64 + 1
        let stamp = UInt64(clock)
        switch r % 100 {
        case 0:
            // type, trigger_type, 2 pad, timestamp; 8 pad.
            let triggerType = (r >> 8) & 0x3 | 0x1
            return (UInt64(PacmanWordType.trigger.rawValue) | triggerType << 8 | stamp << 32, 0)
        case 1:
            // type, sync_type, clk_source, pad, timestamp; 8 pad. Mostly syncs ('S'),
            // sometimes heartbeats ('H'); the clock source is 0 or 1.
            let syncType: UInt64 = (r >> 8) & 0x7 == 0 ? 0x48 : 0x53
            let clockSource = (r >> 16) & 1
            return (UInt64(PacmanWordType.sync.rawValue) | syncType << 8 | clockSource << 16 | stamp << 32, 0)
        default:
            // type, io_channel, receipt_timestamp, 2 pad; the 8-byte LArPix packet.
            let ioChannel = 1 + (r >> 8) % 32
            return (UInt64(PacmanWordType.data.rawValue) | ioChannel << 8 | stamp << 16,
                    Self.larpixDataPacket(rng.next(), timestamp: clock))
        }
    }

    /// A plausible LArPix v2 data packet: packet type 0, chip id 11-110, channel 0-63,
    /// 31-bit timestamp, 8-bit ADC value, downstream marker set, odd parity in bit 63.
    public static func larpixDataPacket(_ r: UInt64, timestamp: UInt32) -> UInt64 {
        let chip = 11 + (r % 100)
        let channel = (r >> 8) % 64
        let adc = (r >> 16) & 0xFF
        var packet: UInt64 = chip << 2 | channel << 10 | UInt64(timestamp & 0x7FFF_FFFF) << 16 | adc << 47 | 1 << 62
        if packet.nonzeroBitCount % 2 == 0 { packet |= 1 << 63 }
        return packet
    }

    /// A data message holding exactly `words`, at Unix time `time`.
    public static func dataMessage(time: UInt32, words: [PacmanWord]) -> [UInt8] {
        message(type: .data, time: time, words: words)
    }

    /// A message of any type holding exactly `words` (not checked against the type, so tests
    /// can build malformed ones too).
    public static func message(type: PacmanMessageType, time: UInt32, words: [PacmanWord]) -> [UInt8] {
        precondition(words.count <= Int(UInt16.max), "msg_words is a uint16")
        return [UInt8](unsafeUninitializedCapacity: messageBytes(words: words.count)) { buffer, count in
            let p = UnsafeMutableRawBufferPointer(buffer)
            writeHeader(p, type: type, time: time, words: words.count)
            for (i, w) in words.enumerated() {
                w.encode(into: p, at: PacmanMessage.headerBytes + PacmanMessage.wordBytes * i)
            }
            count = buffer.count
        }
    }

    private static func writeHeader(_ p: UnsafeMutableRawBufferPointer, type: PacmanMessageType, time: UInt32, words: Int) {
        p[0] = type.rawValue
        p.storeBytes(of: time.littleEndian, toByteOffset: 1, as: UInt32.self)
        p[5] = 0
        p.storeBytes(of: UInt16(words).littleEndian, toByteOffset: 6, as: UInt16.self)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
