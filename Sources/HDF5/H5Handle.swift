import CHDF5

/// Owns one HDF5 identifier and closes it exactly once: on `close()` or when released.
/// Not thread-safe itself: one thread at a time uses a file's handles (Debian's HDF5 is built
/// thread-safe, which serialises HDF5 calls, but a handle's state here is unsynchronised).
public final class H5Handle {
    public private(set) var id: hid_t
    private let closer: (hid_t) -> herr_t

    init(_ id: hid_t, closer: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.closer = closer
    }

    public var isOpen: Bool { id >= 0 }

    /// Closes the identifier; a second call does nothing.
    public func close(_ what: @autoclosure () -> String = "close an object") throws(H5Error) {
        H5Library.ensure()
        guard id >= 0 else { return }
        let status = closer(id)
        id = -1
        try h5check(status, what())
    }

    deinit {
        if id >= 0 {
            H5Library.ensure()
            _ = closer(id)
            H5Eclear2(lrp_H5E_DEFAULT())
        }
    }
}
