import CHDF5

/// A group (or the file's root). Gives access to links and attributes.
public final class H5Group {
    public let handle: H5Handle?
    public let id: hid_t
    public let path: String

    /// A group that owns its identifier.
    init(owning id: hid_t, path: String) {
        handle = H5Handle(id, closer: H5Gclose)
        self.id = id
        self.path = path
        owner = nil
    }

    /// The wrapper whose identifier this borrows (the file, for the root group), kept alive.
    private let owner: AnyObject?

    /// The file itself acts as the root group; the file owns that identifier.
    init(borrowing id: hid_t, path: String, owner: AnyObject? = nil) {
        handle = nil
        self.id = id
        self.path = path
        self.owner = owner
    }

    private func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    public func exists(_ name: String) throws(H5Error) -> Bool {
        H5Library.ensure()
        let r = H5Lexists(id, name, lrp_H5P_DEFAULT())
        if r < 0 { throw H5Error.take("look up \(child(name))") }
        return r > 0
    }

    /// What kind of object a link names.
    public enum ObjectKind: Sendable, Equatable {
        case group, dataset, namedDatatype, other
    }

    /// The kind of object `name` is (it must exist).
    public func kind(of name: String) throws(H5Error) -> ObjectKind {
        H5Library.ensure()
        var info = H5O_info_t()
        try h5check(H5Oget_info_by_name2(id, name, &info, UInt32(H5O_INFO_BASIC), lrp_H5P_DEFAULT()), "look up the kind of \(child(name))")
        switch info.type {
        case H5O_TYPE_GROUP: return .group
        case H5O_TYPE_DATASET: return .dataset
        case H5O_TYPE_NAMED_DATATYPE: return .namedDatatype
        default: return .other
        }
    }

    public func createGroup(_ name: String) throws(H5Error) -> H5Group {
        H5Library.ensure()
        let d = lrp_H5P_DEFAULT()
        return H5Group(owning: try h5id(H5Gcreate2(id, name, d, d, d), "create group \(child(name))"), path: child(name))
    }

    public func openGroup(_ name: String) throws(H5Error) -> H5Group {
        H5Library.ensure()
        return H5Group(owning: try h5id(H5Gopen2(id, name, lrp_H5P_DEFAULT()), "open group \(child(name))"), path: child(name))
    }

    public func openDataset(_ name: String) throws(H5Error) -> H5Dataset {
        H5Library.ensure()
        return try H5Dataset(open: name, in: id, path: child(name))
    }

    public func createDataset(_ name: String, type: H5Datatype, chunk: Int, gzipLevel: Int?) throws(H5Error) -> H5Dataset {
        H5Library.ensure()
        return try H5Dataset(create: name, in: id, path: child(name), type: type, chunk: chunk, gzipLevel: gzipLevel)
    }

    public var attributes: H5Attributes { H5Attributes(objectID: id, path: path, owner: self) }

    public func close() throws(H5Error) { try handle?.close("close group \(path)") }
}
