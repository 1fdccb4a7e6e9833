/// The `packet_type` values a converted row can hold (docs/PACKETS.md): 0-3 are the LArPix
/// packet's own two type bits; 4, 6 and 7 are what larpix-control makes of a message header,
/// a sync word and a trigger word. (5, a message packet, never comes from a raw file.)
public enum PacketType: UInt8, Sendable, CaseIterable {
    case data = 0, test = 1, configWrite = 2, configRead = 3, timestamp = 4, message = 5, sync = 6, trigger = 7

    public var name: String {
        switch self {
        case .data: "data"
        case .test: "test"
        case .configWrite: "config_write"
        case .configRead: "config_read"
        case .timestamp: "timestamp"
        case .message: "message"
        case .sync: "sync"
        case .trigger: "trigger"
        }
    }
}
