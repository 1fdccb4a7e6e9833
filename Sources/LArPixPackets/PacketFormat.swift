/// larpix-control's packet file, format version 2.4 (`larpix.format.hdf5format`, docs/PACKETS.md):
/// the names, offsets and sizes of every dataset's fields, and the header's constants. Facts
/// only; `PacketFile` builds the HDF5 types from them.
public enum PacketFormat {
    public static let version = "2.4"
    public static let headerGroup = "_header"
    public static let packetsDataset = "packets"
    public static let messagesDataset = "messages"
    public static let configsDataset = "configs"

    /// One field of a compound row: name, byte offset, size in bytes, and for array fields
    /// the element count (`registers`: 239 x u1).
    public struct Field: Sendable, Equatable {
        public var name: String
        public var offset: Int
        public var bytes: Int
        public var count: Int = 1
        public var isString = false
    }

    /// The `packets` row (numpy's packed layout of dtypes['2.4']['packets']): 22 fields, 36 bytes.
    public static let packetFields: [Field] = {
        let names: [(String, Int)] = [
            ("io_group", 1), ("io_channel", 1), ("chip_id", 1), ("packet_type", 1), ("downstream_marker", 1),
            ("parity", 1), ("valid_parity", 1), ("channel_id", 1), ("timestamp", 8), ("dataword", 1),
            ("trigger_type", 1), ("local_fifo", 1), ("shared_fifo", 1), ("register_address", 1),
            ("register_data", 1), ("direction", 1), ("local_fifo_events", 1), ("shared_fifo_events", 2),
            ("counter", 4), ("fifo_diagnostics_enabled", 1), ("first_packet", 1), ("receipt_timestamp", 4),
        ]
        return packed(names.map { Field(name: $0.0, offset: 0, bytes: $0.1) })
    }()
    public static let packetRowBytes = 36

    /// `messages` (message S64, timestamp u8, index u4): 76 bytes. to_file creates it empty.
    public static let messageFields: [Field] = packed([
        Field(name: "message", offset: 0, bytes: 64, isString: true),
        Field(name: "timestamp", offset: 0, bytes: 8), Field(name: "index", offset: 0, bytes: 4),
    ])
    public static let messageRowBytes = 76

    /// `configs` (timestamp u8, io_group, io_channel, chip_id u1, registers 239 x u1): 250 bytes.
    public static let configRegisters = 239
    public static let configFields: [Field] = packed([
        Field(name: "timestamp", offset: 0, bytes: 8), Field(name: "io_group", offset: 0, bytes: 1),
        Field(name: "io_channel", offset: 0, bytes: 1), Field(name: "chip_id", offset: 0, bytes: 1),
        Field(name: "registers", offset: 0, bytes: 1, count: configRegisters),
    ])
    public static let configRowBytes = 250

    /// The `packet_types` attribute of `packets`, byte for byte as to_file writes it for 2.4
    /// (the list of 2.0: to_file writes the longer one, with sync and trigger, only for 2.2).
    public static let packetTypesText = "\n0: 'data',\n1: 'test',\n2: 'config write',\n3: 'config read',\n4: 'timestamp',\n5: 'message',\n"

    /// Offsets as numpy assigns them to a list of fields: packed, in order, no alignment.
    static func packed(_ fields: [Field]) -> [Field] {
        var offset = 0
        return fields.map { f in
            var f = f
            f.offset = offset
            offset += f.bytes * f.count
            return f
        }
    }
}
