/// One 16-byte PACMAN word, decoded (FORMAT.md section 4 table). Pad bytes are zero when
/// encoding and ignored when decoding. Multi-byte fields are little-endian; the 8-byte LArPix
/// packet is read as one little-endian UInt64.
public enum PacmanWord: Equatable, Sendable {
    // In data messages.
    case data(ioChannel: UInt8, receiptTimestamp: UInt32, packet: UInt64)
    case trigger(triggerType: UInt8, timestamp: UInt32)
    case sync(syncType: UInt8, clockSource: UInt8, timestamp: UInt32)
    // In requests and replies.
    case ping
    case write(register: UInt32, value: UInt32)
    case read(register: UInt32, value: UInt32)
    case tx(ioChannel: UInt8, packet: UInt64)
    /// Replies only; `text` is up to 14 bytes (zero-padded when encoded).
    case error(code: UInt8, text: [UInt8])

    public var type: PacmanWordType {
        switch self {
        case .data, .tx: .data
        case .trigger: .trigger
        case .sync: .sync
        case .ping: .ping
        case .write: .write
        case .read: .read
        case .error: .error
        }
    }

    /// Writes the word into `p` (16 bytes from `offset`), pads zeroed.
    public func encode(into p: UnsafeMutableRawBufferPointer, at offset: Int = 0) {
        precondition(offset >= 0 && p.count - offset >= PacmanMessage.wordBytes, "a PACMAN word needs 16 bytes")
        let w = UnsafeMutableRawBufferPointer(rebasing: p[offset..<offset + PacmanMessage.wordBytes])
        w.initializeMemory(as: UInt8.self, repeating: 0)
        w[0] = type.rawValue
        switch self {
        case let .data(ioChannel, receiptTimestamp, packet):
            w[1] = ioChannel
            w.storeBytes(of: receiptTimestamp.littleEndian, toByteOffset: 2, as: UInt32.self)
            w.storeBytes(of: packet.littleEndian, toByteOffset: 8, as: UInt64.self)
        case let .trigger(triggerType, timestamp):
            w[1] = triggerType
            w.storeBytes(of: timestamp.littleEndian, toByteOffset: 4, as: UInt32.self)
        case let .sync(syncType, clockSource, timestamp):
            w[1] = syncType
            w[2] = clockSource
            w.storeBytes(of: timestamp.littleEndian, toByteOffset: 4, as: UInt32.self)
        case .ping:
            break
        case let .write(register, value), let .read(register, value):
            w.storeBytes(of: register.littleEndian, toByteOffset: 4, as: UInt32.self)
            w.storeBytes(of: value.littleEndian, toByteOffset: 12, as: UInt32.self)
        case let .tx(ioChannel, packet):
            w[1] = ioChannel
            w.storeBytes(of: packet.littleEndian, toByteOffset: 8, as: UInt64.self)
        case let .error(code, text):
            w[1] = code
            for (i, b) in text.prefix(14).enumerated() { w[2 + i] = b }
        }
    }

    /// Decodes the 16 bytes of `word` as a word of a `message`-type message; nil when the
    /// length is not 16 or the type byte is not one that message type may hold.
    public static func decode(_ word: UnsafeRawBufferPointer, in message: PacmanMessageType) -> PacmanWord? {
        guard word.count == PacmanMessage.wordBytes, let type = PacmanWordType(rawValue: word[0]),
              message.allows(type) else { return nil }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: word.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: word.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        switch (message, type) {
        case (.data, .data): return .data(ioChannel: word[1], receiptTimestamp: u32(2), packet: u64(8))
        case (.data, .trigger): return .trigger(triggerType: word[1], timestamp: u32(4))
        case (.data, .sync): return .sync(syncType: word[1], clockSource: word[2], timestamp: u32(4))
        case (_, .ping): return .ping
        case (_, .write): return .write(register: u32(4), value: u32(12))
        case (_, .read): return .read(register: u32(4), value: u32(12))
        case (_, .data): return .tx(ioChannel: word[1], packet: u64(8))
        case (_, .error): return .error(code: word[1], text: Array(word[2..<16]))
        default: return nil
        }
    }
}

extension PacmanMessage {
    /// The words of a well-formed message, decoded; nil when it is not well-formed.
    public static func words(_ bytes: UnsafeRawBufferPointer) -> [PacmanWord]? {
        guard case .wellFormed(let s) = validate(bytes) else { return nil }
        var words: [PacmanWord] = []
        words.reserveCapacity(Int(s.header.words))
        for i in 0..<Int(s.header.words) {
            let o = headerBytes + wordBytes * i
            guard let w = PacmanWord.decode(UnsafeRawBufferPointer(rebasing: bytes[o..<o + wordBytes]), in: s.header.type) else { return nil }
            words.append(w)
        }
        return words
    }

    public static func words(_ bytes: [UInt8]) -> [PacmanWord]? {
        bytes.withUnsafeBytes { words($0) }
    }
}
