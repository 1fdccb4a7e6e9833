import CHDF5

/// A dataspace, owned. Only what rank-1 datasets and scalar attributes need.
public final class H5Dataspace {
    public let handle: H5Handle
    public var id: hid_t { handle.id }

    init(owning id: hid_t) { handle = H5Handle(id, closer: H5Sclose) }

    public static func scalar() throws(H5Error) -> H5Dataspace {
        H5Library.ensure()
        return H5Dataspace(owning: try h5id(H5Screate(H5S_SCALAR), "create scalar dataspace"))
    }

    /// Rank 1 of `count` elements; `unlimited` makes the maximum unlimited.
    public static func vector(_ count: Int, unlimited: Bool = false) throws(H5Error) -> H5Dataspace {
        H5Library.ensure()
        var dims = [hsize_t(count)]
        var maxdims = [unlimited ? lrp_H5S_UNLIMITED() : hsize_t(count)]
        return H5Dataspace(owning: try h5id(H5Screate_simple(1, &dims, &maxdims), "create dataspace of \(count)"))
    }

    public var rank: Int { Int(H5Sget_simple_extent_ndims(id)) }

    /// Dimensions and maximum dimensions (nil for unlimited).
    public func extent() throws(H5Error) -> (dims: [Int], maxdims: [Int?]) {
        H5Library.ensure()
        let r = rank
        guard r > 0 else { return ([], []) }
        var dims = [hsize_t](repeating: 0, count: r)
        var maxdims = [hsize_t](repeating: 0, count: r)
        if H5Sget_simple_extent_dims(id, &dims, &maxdims) < 0 { throw H5Error.take("read dataspace extent") }
        return (dims.map { Int($0) }, maxdims.map { $0 == lrp_H5S_UNLIMITED() ? nil : Int($0) })
    }

    /// Selects elements [start, start+count) of a rank-1 space.
    public func selectRange(start: Int, count: Int) throws(H5Error) {
        H5Library.ensure()
        var s = [hsize_t(start)]
        var c = [hsize_t(count)]
        try h5check(H5Sselect_hyperslab(id, H5S_SELECT_SET, &s, nil, &c, nil), "select elements \(start)..<\(start + count)")
    }
}
