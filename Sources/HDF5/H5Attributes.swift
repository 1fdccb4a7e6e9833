import CHDF5

/// The attributes of one object: scalar float64 and string values, as the raw format's /meta uses.
public struct H5Attributes {
    let objectID: hid_t
    let path: String

    private func where_(_ name: String) -> String { "attribute \(name) of \(path)" }

    public func exists(_ name: String) throws(H5Error) -> Bool {
        let r = H5Aexists(objectID, name)
        if r < 0 { throw H5Error.take("look up \(where_(name))") }
        return r > 0
    }

    public func names() throws(H5Error) -> [String] {
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
        H5Handle(try h5id(H5Aopen(objectID, name, lrp_H5P_DEFAULT()), "open \(where_(name))"), closer: H5Aclose)
    }

    private func openOrCreate(_ name: String, type: H5Datatype) throws(H5Error) -> H5Handle {
        if try exists(name) { return try open(name) }
        let space = try H5Dataspace.scalar()
        let d = lrp_H5P_DEFAULT()
        return H5Handle(try h5id(H5Acreate2(objectID, name, type.id, space.id, d, d), "create \(where_(name))"), closer: H5Aclose)
    }

    public func readDouble(_ name: String) throws(H5Error) -> Double {
        let a = try open(name)
        var v = 0.0
        try h5check(H5Aread(a.id, lrp_H5T_NATIVE_DOUBLE(), &v), "read \(where_(name)) as float64")
        return v
    }

    /// Writes in place when the attribute exists (the only change allowed under SWMR writing).
    public func writeDouble(_ name: String, _ value: Double) throws(H5Error) {
        let a = try openOrCreate(name, type: .float64LE)
        var v = value
        try h5check(H5Awrite(a.id, lrp_H5T_NATIVE_DOUBLE(), &v), "write \(where_(name))")
    }

    /// Reads a string attribute, variable or fixed length, as text.
    public func readString(_ name: String) throws(H5Error) -> String {
        let a = try open(name)
        let type = H5Datatype(owning: try h5id(H5Aget_type(a.id), "read type of \(where_(name))"))
        guard type.typeClass == H5T_STRING else {
            throw H5Error(operation: "read \(where_(name)) as a string", stack: "it is not a string")
        }
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
        let end = buf.firstIndex(of: 0) ?? size
        return String(decoding: buf[..<end], as: UTF8.self)
    }

    /// Writes a variable-length UTF-8 string (what h5py writes for a Python `str`).
    public func writeString(_ name: String, _ value: String) throws(H5Error) {
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
