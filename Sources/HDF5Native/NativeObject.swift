/// An object of the file (group, dataset or other) with its header's messages.
public struct NativeObject: Sendable {
    public enum Kind: Sendable, Equatable { case group, dataset, other }

    /// The path it was reached by ("/", "/meta").
    public let name: String
    public let header: ObjectHeader
    public let context: FormatContext

    /// Message types this reader knows, decoded or safely ignored.
    static let knownTypes: Set<UInt16> = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0A, 0x0B, 0x0C,
                                          0x0D, 0x0E, 0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18]

    public init(name: String, header: ObjectHeader, context: FormatContext) throws(NativeHDF5Error) {
        self.name = name
        self.header = header
        self.context = context
        for m in header.messages where m.failIfUnknown && !Self.knownTypes.contains(m.type) {
            throw context.error(.unsupported, "object \(name)", "message type \(m.type) is not supported and must be understood")
        }
    }

    func messages(_ type: UInt16) -> [HeaderMessage] { header.messages.filter { $0.type == type } }
    func message(_ type: UInt16) -> HeaderMessage? { header.messages.first { $0.type == type } }

    public var kind: Kind {
        if message(HeaderMessage.layout) != nil { return .dataset }
        if message(HeaderMessage.symbolTable) != nil || message(HeaderMessage.linkInfo) != nil
            || message(HeaderMessage.link) != nil || message(HeaderMessage.groupInfo) != nil { return .group }
        return .other
    }

    /// The group's links: name to object header address (hard links only; others are refused
    /// when followed).
    public func links() throws(NativeHDF5Error) -> [String: UInt64?] {
        let what = "group \(name)"
        if let st = message(HeaderMessage.symbolTable) {
            return try SymbolTableGroup.links(st.body, context, what).mapValues { Optional($0) }
        }
        if let info = message(HeaderMessage.linkInfo),
           try LinkMessage.denseHeapAddress(info.body, context, what + " link info message", creationOrderSize: 8) != nil {
            throw context.error(.unsupported, what, "dense link storage (fractal heap) is not supported")
        }
        var out: [String: UInt64?] = [:]
        for m in messages(HeaderMessage.link) {
            let link = try LinkMessage.parse(m.body, context, what)
            out[link.name] = link.target
        }
        return out
    }

    /// The object a link of this group leads to.
    public func child(_ linkName: String) throws(NativeHDF5Error) -> NativeObject {
        let full = name == "/" ? "/" + linkName : name + "/" + linkName
        guard kind == .group else { throw context.error(.notFound, "object \(name)", "is not a group") }
        guard let target = try links()[linkName] else { throw context.error(.notFound, "group \(name)", "no link \(linkName)") }
        guard let address = target else { throw context.error(.unsupported, "link \(full)", "soft and external links are not supported") }
        return try NativeObject(name: full, header: try ObjectHeader.read(context, at: address), context: context)
    }

    /// The attributes stored in the object header (compact storage).
    public func attributes() throws(NativeHDF5Error) -> [Attribute] {
        let what = "object \(name)"
        if let info = message(HeaderMessage.attributeInfo),
           try LinkMessage.denseHeapAddress(info.body, context, what + " attribute info message", creationOrderSize: 2) != nil {
            throw context.error(.unsupported, what, "dense attribute storage (fractal heap) is not supported")
        }
        var out: [Attribute] = []
        for m in messages(HeaderMessage.attribute) {
            if m.isShared { throw context.error(.unsupported, what, "shared attribute messages are not supported") }
            out.append(try Attribute.parse(m.body, context, what))
        }
        return out
    }

    public func attribute(_ attributeName: String) throws(NativeHDF5Error) -> Attribute? {
        try attributes().first { $0.name == attributeName }
    }
}
