import CHDF5

/// The atomic and composite types a fixed-row table needs (larpix-control's packet file):
/// little-endian unsigned integers of any width, fixed-length byte strings, arrays.
extension H5Datatype {
    /// An unsigned little-endian integer of `bytes` bytes, equal to H5T_STD_U{8·bytes}LE (the
    /// shim exposes only the 8-bit one; raising its precision grows the size with it).
    public static func unsignedLE(bytes: Int) throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        let t = H5Datatype(owning: try h5id(H5Tcopy(lrp_H5T_STD_U8LE()), "copy uint8 type"))
        if bytes != 1 {
            try h5check(H5Tset_precision(t.id, 8 * bytes), "make a \(8 * bytes)-bit unsigned type")
        }
        return t
    }

    /// A fixed-length, null-padded ASCII string of `size` bytes (numpy's `S<size>`, as h5py stores it).
    public static func fixedASCIIString(size: Int) throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        let t = H5Datatype(owning: try h5id(H5Tcopy(lrp_H5T_C_S1()), "copy string type"))
        try h5check(H5Tset_size(t.id, size), "set string size \(size)")
        try h5check(H5Tset_strpad(t.id, H5T_STR_NULLPAD), "set null-padded string")
        try h5check(H5Tset_cset(t.id, H5T_CSET_ASCII), "set ASCII string")
        return t
    }

    /// A rank-1 array of `count` elements of `base` (numpy's `(count,)base` subarray field).
    public static func array(of base: H5Datatype, count: Int) throws(H5Error) -> H5Datatype {
        H5Library.ensure()
        var dims = [hsize_t(count)]
        return H5Datatype(owning: try h5id(H5Tarray_create2(base.id, 1, &dims), "create array type of \(count)"))
    }

    /// Whether both describe the same type (H5Tequal: class, size, order, fields, offsets).
    public func isEqual(to other: H5Datatype) -> Bool {
        H5Library.ensure()
        return H5Tequal(id, other.id) > 0
    }
}
