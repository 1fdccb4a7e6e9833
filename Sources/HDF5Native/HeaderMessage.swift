/// One message of an object header: its type, flags and body bytes.
public struct HeaderMessage: Sendable {
    public let type: UInt16
    public let flags: UInt8
    public let body: [UInt8]

    // Message types the reader knows (HDF5 file format specification, IV.A.2).
    public static let nil_: UInt16 = 0x00
    public static let dataspace: UInt16 = 0x01
    public static let linkInfo: UInt16 = 0x02
    public static let datatype: UInt16 = 0x03
    public static let fillValueOld: UInt16 = 0x04
    public static let fillValue: UInt16 = 0x05
    public static let link: UInt16 = 0x06
    public static let externalFiles: UInt16 = 0x07
    public static let layout: UInt16 = 0x08
    public static let groupInfo: UInt16 = 0x0A
    public static let filterPipeline: UInt16 = 0x0B
    public static let attribute: UInt16 = 0x0C
    public static let continuation: UInt16 = 0x10
    public static let symbolTable: UInt16 = 0x11
    public static let attributeInfo: UInt16 = 0x15

    /// Flag bit 1: the message is stored elsewhere (a shared message or a committed datatype).
    public var isShared: Bool { flags & 0x02 != 0 }
    /// Flag bit 7: a reader that does not understand this message must refuse the object.
    public var failIfUnknown: Bool { flags & 0x80 != 0 }
}
