import CHDF5

/// The attributes of one object: scalar float64 and string values, as the raw format's /meta uses.
/// Holds a strong reference to the object it belongs to: `try group.openGroup("meta").attributes`
/// must not outlive (and so close) the group under it.
public struct H5Attributes {
    let objectID: hid_t
    let path: String
    /// The wrapper that owns `objectID`, kept alive as long as these attributes are.
    let owner: AnyObject?

    init(objectID: hid_t, path: String, owner: AnyObject?) {
        self.objectID = objectID
        self.path = path
        self.owner = owner
    }

    private func where_(_ name: String) -> String { "attribute \(name) of \(path)" }

    public func exists(_ name: String) throws(H5Error) -> Bool {
        H5Library.ensure()
        let r = H5Aexists(objectID, name)
        if r < 0 { throw H5Error.take("look up \(where_(name))") }
        return r > 0
    }

    public func names() throws(H5Error) -> [String] {
        H5Library.ensure()
        var info = H5O_info_t()
        try h5check(H5Oget_info2(objectID, &info, UInt32(H5O_INFO_NUM_ATTRS)), "list attributes of \(path)")
        var names: [String] = []
        for i in 0..<info.num_attrs {
            let n = H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, lrp_H5P_DEFAULT())
            if n < 0 { throw H5Error.take("read attribute name \(i) of \(path)") }
            var buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = H5Aget_name_by_idx(objectID, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buf, buf.count, lrp_H5P_DEFAULT())
            names.append(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return names
    }

    private func open(_ name: String) throws(H5Error) -> H5Handle {
        H5Library.ensure()
        return H5Handle(try h5id(H5Aopen(objectID, name, lrp_H5P_DEFAULT()), "open \(where_(name))"), closer: H5Aclose)
    }

    private func openOrCreate(_ name: String, type: H5Datatype) throws(H5Error) -> H5Handle {
        H5Library.ensure()
        if try exists(name) { return try open(name) }
        let space = try H5Dataspace.scalar()
        let d = lrp_H5P_DEFAULT()
        return H5Handle(try h5id(H5Acreate2(objectID, name, type.id, space.id, d, d), "create \(where_(name))"), closer: H5Aclose)
    }

    /// The type class of an attribute (H5T_FLOAT, H5T_STRING, …).
    public func typeClass(_ name: String) throws(H5Error) -> H5T_class_t {
        H5Library.ensure()
        let a = try open(name)
        return H5Datatype(owning: try h5id(H5Aget_type(a.id), "read type of \(where_(name))")).typeClass
    }

    /// Number of elements of an attribute (1 for a scalar).
    public func elementCount(_ name: String) throws(H5Error) -> Int {
        H5Library.ensure()
        let a = try open(name)
        return try elementCount(a, name)
    }

    private func elementCount(_ a: H5Handle, _ name: String) throws(H5Error) -> Int {
        let space = H5Dataspace(owning: try h5id(H5Aget_space(a.id), "read dataspace of \(where_(name))"))
        let n = H5Sget_simple_extent_npoints(space.id)
        if n < 0 { throw H5Error.take("count elements of \(where_(name))") }
        return Int(n)
    }

    /// The scalar readers below read one element into one value: an attribute holding several
    /// (or none) would make HDF5 write past the value, so it is refused.
    private func requireOneElement(_ a: H5Handle, _ name: String) throws(H5Error) {
        let n = try elementCount(a, name)
        guard n == 1 else {
            throw H5Error(operation: "read \(where_(name))", stack: "it holds \(n) elements, not one")
        }
    }

    public func readDouble(_ name: String) throws(H5Error) -> Double {
        H5Library.ensure()
        let a = try open(name)
        try requireOneElement(a, name)
        var v = 0.0
        try h5check(H5Aread(a.id, lrp_H5T_NATIVE_DOUBLE(), &v), "read \(where_(name)) as float64")
        return v
    }

    /// Writes in place when the attribute exists (the only change allowed under SWMR writing).
    public func writeDouble(_ name: String, _ value: Double) throws(H5Error) {
        H5Library.ensure()
        let a = try openOrCreate(name, type: .float64LE)
        var v = value
        try h5check(H5Awrite(a.id, lrp_H5T_NATIVE_DOUBLE(), &v), "write \(where_(name))")
    }

    /// Reads an integer attribute (any integer type HDF5 converts to int64).
    public func readInt64(_ name: String) throws(H5Error) -> Int64 {
        H5Library.ensure()
        let a = try open(name)
        try requireOneElement(a, name)
        var v: Int64 = 0
        try h5check(H5Aread(a.id, lrp_H5T_NATIVE_INT64(), &v), "read \(where_(name)) as int64")
        return v
    }

    /// Writes a scalar int64 (what h5py writes for a Python `int`), in place when it exists.
    public func writeInt64(_ name: String, _ value: Int64) throws(H5Error) {
        H5Library.ensure()
        let a = try openOrCreate(name, type: .int64LE)
        var v = value
        try h5check(H5Awrite(a.id, lrp_H5T_NATIVE_INT64(), &v), "write \(where_(name))")
    }

    /// Reads a string attribute, variable or fixed length, as text.
    public func readString(_ name: String) throws(H5Error) -> String {
        H5Library.ensure()
        let a = try open(name)
        let type = H5Datatype(owning: try h5id(H5Aget_type(a.id), "read type of \(where_(name))"))
        guard type.typeClass == H5T_STRING else {
            throw H5Error(operation: "read \(where_(name)) as a string", stack: "it is not a string")
        }
        try requireOneElement(a, name)
        if type.isVariableString {
            let mem = try H5Datatype.variableUTF8String()
            var p: UnsafeMutablePointer<CChar>? = nil
            try h5check(H5Aread(a.id, mem.id, &p), "read \(where_(name))")
            defer { if p != nil { H5free_memory(p) } }
            return p.map { String(cString: $0) } ?? ""
        }
        let size = type.size
        var buf = [UInt8](repeating: 0, count: size + 1)
        try h5check(H5Aread(a.id, type.id, &buf), "read \(where_(name))")
        var end = buf.firstIndex(of: 0) ?? size
        if H5Tget_strpad(type.id) == H5T_STR_SPACEPAD {
            while end > 0 && buf[end - 1] == 0x20 { end -= 1 }
        }
        return String(decoding: buf[..<end], as: UTF8.self)
    }

    /// Writes a variable-length UTF-8 string (what h5py writes for a Python `str`).
    public func writeString(_ name: String, _ value: String) throws(H5Error) {
        H5Library.ensure()
        let type = try H5Datatype.variableUTF8String()
        if try exists(name) {
            try h5check(H5Adelete(objectID, name), "replace \(where_(name))")
        }
        let a = try openOrCreate(name, type: type)
        let status = value.withCString { (cs: UnsafePointer<CChar>) -> herr_t in
            var p: UnsafePointer<CChar>? = cs
            return H5Awrite(a.id, type.id, &p)
        }
        try h5check(status, "write \(where_(name))")
    }
}
