import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed HDF5 call, with HDF5's own error stack (innermost first) turned into text.
public struct H5Error: Error, CustomStringConvertible, Sendable {
    /// What we were doing, e.g. "open dataset /msgs".
    public let operation: String
    /// HDF5's error stack, innermost first; empty when HDF5 recorded nothing.
    public let stack: String

    public var description: String {
        stack.isEmpty ? "HDF5 failed to \(operation)" : "HDF5 failed to \(operation): \(stack)"
    }

    /// An error raised by this wrapper or its users (no HDF5 error stack to take).
    public init(operation: String, stack: String) {
        self.operation = operation
        self.stack = stack
    }

    /// True when the stack says the object uses an encoding this HDF5 does not know,
    /// which is how files from a newer HDF5 (2.x with "latest" bounds) fail here. Measured on
    /// HDF5 1.10.8 with a file written by h5py 3.16 / HDF5 2.0: opening /msgs fails with
    /// "bad version number for layout message (H5O__layout_decode)"; the other phrases are
    /// HDF5 1.10's wording for the other versioned structures (superblock, headers, messages).
    public var isNewerFormat: Bool {
        let s = stack.lowercased()
        return s.contains("bad version") || s.contains("version number") || s.contains("unknown message")
            || s.contains("bad object header") || s.contains("wrong version")
            || s.contains("unsupported storage layout") || s.contains("bad version # of encoded")
    }

    /// Takes (and clears) the current HDF5 error stack. The text is one line: HDF5 puts line
    /// breaks inside some descriptions (H5F_open's "time = …\n, name = …"), which are folded.
    static func take(_ operation: @autoclosure () -> String) -> H5Error {
        var buffer = [CChar](repeating: 0, count: 4096)
        _ = lrp_take_error_stack(&buffer, buffer.count)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return H5Error(operation: oneLine(operation()), stack: oneLine(text))
    }

    /// Folds line breaks (and the spaces around them) into a single space.
    static func oneLine(_ s: String) -> String {
        guard s.contains(where: \.isNewline) else { return s }
        return s.split(whereSeparator: \.isNewline)
            .map { line -> Substring in
                let t = line.drop(while: { $0 == " " || $0 == "\t" })
                return t[..<(t.lastIndex(where: { $0 != " " && $0 != "\t" }).map(t.index(after:)) ?? t.startIndex)]
            }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// HDF5 must not print to stderr: errors come back as `H5Error`.
///
/// Debian's HDF5 is built thread-safe, and a thread-safe HDF5 keeps one error stack per thread,
/// each created with automatic printing to stderr switched on. Silencing it once for the process
/// (what this did before) left every other thread printing HDF5-DIAG traces. So `ensure()`
/// silences the calling thread's stack the first time that thread calls it, and every wrapper
/// calls it before it calls HDF5 (a thread-local flag makes the repeat calls cost a lookup).
public enum H5Library {
    private static let key: pthread_key_t = {
        lrp_silence_errors()
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Opens the library and silences HDF5's error printing on the calling thread.
    public static func ensure() {
        let k = key
        if pthread_getspecific(k) == nil {
            lrp_silence_errors()
            _ = pthread_setspecific(k, UnsafeRawPointer(bitPattern: 1))
        }
    }

    /// The HDF5 library this build links, e.g. "1.10.8".
    public static var version: String {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
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
