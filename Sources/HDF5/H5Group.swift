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
    }

    /// The file itself acts as the root group; the file owns that identifier.
    init(borrowing id: hid_t, path: String) {
        handle = nil
        self.id = id
        self.path = path
    }

    private func child(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    public func exists(_ name: String) throws(H5Error) -> Bool {
        let r = H5Lexists(id, name, lrp_H5P_DEFAULT())
        if r < 0 { throw H5Error.take("look up \(child(name))") }
        return r > 0
    }

    public func createGroup(_ name: String) throws(H5Error) -> H5Group {
        let d = lrp_H5P_DEFAULT()
        return H5Group(owning: try h5id(H5Gcreate2(id, name, d, d, d), "create group \(child(name))"), path: child(name))
    }

    public func openGroup(_ name: String) throws(H5Error) -> H5Group {
        H5Group(owning: try h5id(H5Gopen2(id, name, lrp_H5P_DEFAULT()), "open group \(child(name))"), path: child(name))
    }

    public func openDataset(_ name: String) throws(H5Error) -> H5Dataset {
        try H5Dataset(open: name, in: id, path: child(name))
    }

    public func createDataset(_ name: String, type: H5Datatype, chunk: Int, gzipLevel: Int?) throws(H5Error) -> H5Dataset {
        try H5Dataset(create: name, in: id, path: child(name), type: type, chunk: chunk, gzipLevel: gzipLevel)
    }

    public var attributes: H5Attributes { H5Attributes(objectID: id, path: path) }

    public func close() throws(H5Error) { try handle?.close("close group \(path)") }
}
