import CHDF5

/// A datatype: either one of HDF5's predefined types (not closed) or one we created (owned).
public final class H5Datatype {
    public let id: hid_t
    private let handle: H5Handle?

    init(owning id: hid_t) {
        self.id = id
        handle = H5Handle(id, closer: H5Tclose)
    }

    init(predefined id: hid_t) {
        self.id = id
        handle = nil
    }

    public static var uint8LE: H5Datatype { H5Library.ensure(); return H5Datatype(predefined: lrp_H5T_STD_U8LE()) }
    public static var nativeUInt8: H5Datatype { H5Library.ensure(); return H5Datatype(predefined: lrp_H5T_NATIVE_UINT8()) }
    public static var float64LE: H5Datatype { H5Library.ensure(); return H5Datatype(predefined: lrp_H5T_IEEE_F64LE()) }
    public static var int64LE: H5Datatype { H5Library.ensure(); return H5Datatype(predefined: lrp_H5T_STD_I64LE()) }
    public static var nativeDouble: H5Datatype { H5Library.ensure(); return H5Datatype(predefined: lrp_H5T_NATIVE_DOUBLE()) }

    /// Variable-length sequence of `base` (h5py's `vlen_dtype`).
    public static func vlen(of base: H5Datatype) throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        return H5Datatype(owning: try h5id(H5Tvlen_create(base.id), "create variable-length type"))
    }

    /// Compound type from (name, offset, type) fields.
    public static func compound(size: Int, fields: [(String, Int, H5Datatype)]) throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        let t = H5Datatype(owning: try h5id(H5Tcreate(H5T_COMPOUND, size), "create compound type"))
        for (name, offset, type) in fields {
            try h5check(H5Tinsert(t.id, name, offset, type.id), "insert compound field \(name)")
        }
        return t
    }

    /// Variable-length UTF-8 string, as h5py writes `str` attributes.
    public static func variableUTF8String() throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        let t = H5Datatype(owning: try h5id(H5Tcopy(lrp_H5T_C_S1()), "copy string type"))
        try h5check(H5Tset_size(t.id, lrp_H5T_VARIABLE()), "make string variable length")
        try h5check(H5Tset_cset(t.id, H5T_CSET_UTF8), "set UTF-8 string")
        try h5check(H5Tset_strpad(t.id, H5T_STR_NULLTERM), "set null-terminated string")
        return t
    }

    public var typeClass: H5T_class_t { H5Tget_class(id) }
    public var size: Int { H5Tget_size(id) }
    public var isVariableString: Bool { H5Tis_variable_str(id) > 0 }

    /// The base type of a variable-length or array type.
    public func superType() throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        return H5Datatype(owning: try h5id(H5Tget_super(id), "get base type"))
    }

    /// True when both are integers of the same size and sign (byte order aside).
    public func isUnsignedInteger(bytes: Int) -> Bool {
        H5Library.ensure()
        return typeClass == H5T_INTEGER && size == bytes && H5Tget_sign(id) == H5T_SGN_NONE
    }

    /// A compound type's fields as (name, offset, type).
    public func compoundFields() throws(H5Error) -> [(name: String, offset: Int, type: H5Datatype)] {
        H5Library.ensure()
        guard typeClass == H5T_COMPOUND else { return [] }
        let n = H5Tget_nmembers(id)
        if n < 0 { throw H5Error.take("count compound fields") }
        var fields: [(String, Int, H5Datatype)] = []
        for i in 0..<UInt32(n) {
            guard let cname = H5Tget_member_name(id, i) else { throw H5Error.take("read compound field name") }
            let name = String(cString: cname)
            H5free_memory(cname)
            let type = H5Datatype(owning: try h5id(H5Tget_member_type(id, i), "read type of field \(name)"))
            fields.append((name, H5Tget_member_offset(id, i), type))
        }
        return fields
    }
}
