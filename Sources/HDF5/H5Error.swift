import CHDF5

/// A failed HDF5 call, with HDF5's own error stack (innermost first) turned into text.
public struct H5Error: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "open dataset /msgs".
    public let operation: String
    /// HDF5's error stack, innermost first; empty when HDF5 recorded nothing.
    public let stack: String

    public var description: String {
        stack.isEmpty ? "HDF5 failed to \(operation)" : "HDF5 failed to \(operation): \(stack)"
    }

    /// True when the stack says the object uses an encoding this HDF5 does not know,
    /// which is how files from a newer HDF5 (2.x with "latest" bounds) fail here.
    public var isNewerFormat: Bool {
        let s = stack.lowercased()
        return s.contains("bad version") || s.contains("version number") || s.contains("unknown message")
            || s.contains("bad object header") || s.contains("wrong version")
    }

    /// Takes (and clears) the current HDF5 error stack.
    static func take(_ operation: @autoclosure () -> String) -> H5Error {
        var buffer = [CChar](repeating: 0, count: 2048)
        _ = lrp_take_error_stack(&buffer, buffer.count)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return H5Error(operation: operation(), stack: text)
    }
}

/// HDF5 must not print to stderr: errors come back as `H5Error`. Done once per process.
enum H5Library {
    static let initialized: Bool = {
        lrp_silence_errors()
        return true
    }()
    static func ensure() { _ = initialized }
}

@inline(__always)
func h5check(_ status: herr_t, _ operation: @autoclosure () -> String) throws(H5Error) {
    if status < 0 { throw H5Error.take(operation()) }
}

@inline(__always)
func h5id(_ id: hid_t, _ operation: @autoclosure () -> String) throws(H5Error) -> hid_t {
    if id < 0 { throw H5Error.take(operation()) }
    return id
}
