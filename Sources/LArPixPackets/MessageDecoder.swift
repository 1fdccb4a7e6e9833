import PACMAN

/// Turns one raw PACMAN message into `packets` rows exactly as larpix-control's
/// `pacman_msg_format.parse` + `hdf5format.to_file` (format 2.4) do (docs/PACKETS.md): a
/// timestamp row, then one row per data, trigger, sync or tx word, in order. Pure: it writes
/// into memory the caller owns and allocates nothing.
public enum MessageDecoder {
    static let rowBytes = PacketFormat.packetRowBytes

    /// What the message gives, checked as larpix-control would fail on it (first failure in
    /// its order: header, then each word in turn, then the stored tx words).
    public static func check(_ m: UnsafeRawBufferPointer) -> MessageCheck {
        guard m.count >= PacmanMessage.headerBytes else { return .skip(.tooShort, word: nil) }
        guard let type = PacmanMessageType(rawValue: m[0]) else { return .skip(.unknownMessageType, word: nil) }
        let body = m.count - PacmanMessage.headerBytes
        let words = body / PacmanMessage.wordBytes
        var rows = 1
        var txWords = false
        for i in 0..<words {
            switch rowKind(m[PacmanMessage.headerBytes + PacmanMessage.wordBytes * i], in: type) {
            case .row: rows += 1
            case .tx: rows += 1; txWords = true
            case .none: break
            case .unknown: return .skip(.unknownWordType, word: i)
            }
        }
        if body % PacmanMessage.wordBytes != 0 { return .skip(.truncatedWord, word: words) }
        if txWords {
            for i in 0..<words where rowKind(m[PacmanMessage.headerBytes + PacmanMessage.wordBytes * i], in: type) == .tx {
                let o = PacmanMessage.headerBytes + PacmanMessage.wordBytes * i + 8
                if PythonDecimal.uint32(UnsafeRawBufferPointer(rebasing: m[o..<o + 8])) == nil { return .skip(.txWord, word: i) }
            }
        }
        let declared = Int(UInt16(m[6]) | UInt16(m[7]) << 8)
        return .convert(rows: rows, wordCountMismatch: declared != words)
    }

    enum RowKind { case row, tx, none, unknown }

    /// What larpix-control makes of a word type in a message type: a row, a tx row, nothing
    /// (ping/pong, register write/read, error), or a KeyError.
    @inline(__always)
    static func rowKind(_ t: UInt8, in type: PacmanMessageType) -> RowKind {
        switch (type, t) {
        case (.data, 0x44), (.data, 0x54), (.data, 0x53): .row                  // D, T, S
        case (.request, 0x44), (.reply, 0x44): .tx                              // D (tx)
        case (.request, 0x50), (.request, 0x57), (.request, 0x52): .none        // P, W, R
        case (.reply, 0x50), (.reply, 0x57), (.reply, 0x52), (.reply, 0x45): .none  // P, W, R, E
        default: .unknown
        }
    }

    /// Writes the rows of a message that `check` accepted at `out` (room for `rows` rows),
    /// adds them to `counts` (8 counters, by packet_type: scalar adds through a pointer, no
    /// vector spilled per row) and returns how many it wrote.
    @inline(__always)
    public static func write(_ m: UnsafeRawBufferPointer, ioGroup: UInt8, into out: UnsafeMutableRawPointer,
                             counts local: UnsafeMutablePointer<Int>) -> Int {
        let type = PacmanMessageType(rawValue: m[0]) ?? .data
        let g = UInt64(ioGroup)
        let time = UInt64(m.loadUnaligned(fromByteOffset: 1, as: UInt32.self).littleEndian)
        store(out, g | UInt64(PacketType.timestamp.rawValue) << 24, time, 0, 0, 0)
        local[Int(PacketType.timestamp.rawValue)] &+= 1
        var rows = 1
        let words = (m.count - PacmanMessage.headerBytes) / PacmanMessage.wordBytes
        var o = PacmanMessage.headerBytes
        for _ in 0..<words {
            let row = out + rows * rowBytes
            let t = m[o]
            switch rowKind(t, in: type) {
            case .row where t == 0x44:
                let receipt = m.loadUnaligned(fromByteOffset: o + 2, as: UInt32.self).littleEndian
                local[Int(writeLArPix(row, ioGroup: g, ioChannel: m[o + 1], receipt: receipt,
                                       packet: m.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self).littleEndian))] &+= 1
                rows += 1
            case .row:
                let stamp = UInt64(m.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self).littleEndian)
                if t == 0x54 {           // trigger: trigger_type = its type byte
                    store(row, g | 7 << 24, stamp, UInt64(m[o + 1]) << 8, 0, 0)
                    local[7] &+= 1
                } else {                 // sync: trigger_type = sync type, dataword = clk_source & 1
                    store(row, g | 6 << 24, stamp, UInt64(m[o + 2] & 1) | UInt64(m[o + 1]) << 8, 0, 0)
                    local[6] &+= 1
                }
                rows += 1
            case .tx:
                let receipt = PythonDecimal.uint32(UnsafeRawBufferPointer(rebasing: m[(o + 8)..<(o + 16)])) ?? 0
                local[Int(writeLArPix(row, ioGroup: g, ioChannel: m[o + 1], receipt: receipt,
                                      packet: m.loadUnaligned(fromByteOffset: o + 8, as: UInt64.self).littleEndian))] &+= 1
                rows += 1
            case .none, .unknown:
                break
            }
            o += PacmanMessage.wordBytes
        }
        return rows
    }

    /// A LArPix v2 packet (Packet_v2: little-endian bit order) as to_file 2.4 stores it: every
    /// bit field filled whatever the packet type; valid_parity = odd number of set bits.
    @inline(__always)
    static func writeLArPix(_ row: UnsafeMutableRawPointer, ioGroup: UInt64, ioChannel: UInt8, receipt: UInt32,
                            packet p: UInt64) -> UInt8 {
        let packetType = p & 3
        let valid = UInt64(p.nonzeroBitCount & 1)
        let head = ioGroup | UInt64(ioChannel) << 8 | (p >> 2 & 0xFF) << 16 | packetType << 24
            | (p >> 62 & 1) << 32 | (p >> 63) << 40 | valid << 48 | (p >> 10 & 0x3F) << 56
        let fields = (p >> 48 & 0xFF) | (p >> 56 & 3) << 8 | (p >> 58 & 3) << 16 | (p >> 60 & 3) << 24
            | (p >> 10 & 0xFF) << 32 | (p >> 18 & 0xFF) << 40
        store(row, head, p >> 16 & 0x7FFF_FFFF, fields, (p >> 47 & 1) << 56, receipt)
        return UInt8(packetType)
    }

    /// One 36-byte row from its little-endian pieces: bytes 0-7, the timestamp (8-15), bytes
    /// 16-23, bytes 24-31 and the receipt timestamp (32-35).
    @inline(__always)
    static func store(_ row: UnsafeMutableRawPointer, _ head: UInt64, _ timestamp: UInt64, _ fields: UInt64,
                      _ tail: UInt64, _ receipt: UInt32) {
        row.storeBytes(of: head.littleEndian, toByteOffset: 0, as: UInt64.self)
        row.storeBytes(of: timestamp.littleEndian, toByteOffset: 8, as: UInt64.self)
        row.storeBytes(of: fields.littleEndian, toByteOffset: 16, as: UInt64.self)
        row.storeBytes(of: tail.littleEndian, toByteOffset: 24, as: UInt64.self)
        row.storeBytes(of: receipt.littleEndian, toByteOffset: 32, as: UInt32.self)
    }
}
