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
    /// Each stack entry's class, from HDF5's major and minor error numbers (innermost first).
    public let codes: [Code]

    /// The error classes this project tells apart (others are `.other`).
    public struct Code: Sendable, Equatable {
        public enum Major: Int32, Sendable { case other = 0, file, objectHeader, datatype, heap, cache }
        public enum Minor: Int32, Sendable {
            case other = 0
            case version = 100, badMessage, unsupported, cantOpenFile, overflow, cantLoad, cantProtect, readError,
                 truncated, badValue, cantDecode, noSpace, writeError
        }
        public var major: Major
        public var minor: Minor
        /// The HDF5 function that raised it (an identifier, e.g. H5O__layout_decode).
        public var function: String
        public init(_ major: Major, _ minor: Minor, function: String = "") {
            (self.major, self.minor, self.function) = (major, minor, function)
        }
    }

    public func has(minor: Code.Minor) -> Bool { codes.contains { $0.minor == minor } }
    public func has(_ major: Code.Major, _ minor: Code.Minor) -> Bool { codes.contains { $0.major == major && $0.minor == minor } }
    public func has(major: Code.Major) -> Bool { codes.contains { $0.major == major } }

    public var description: String {
        stack.isEmpty ? "HDF5 failed to \(operation)" : "HDF5 failed to \(operation): \(stack)"
    }

    /// An error raised by this wrapper or its users (no HDF5 error stack to take).
    public init(operation: String, stack: String, codes: [Code] = []) {
        self.operation = operation
        self.stack = stack
        self.codes = codes
    }

    /// True when the stack says the object uses an encoding this HDF5 does not know, which is how
    /// files from a newer HDF5 (1.12 and later with "latest" bounds) fail here: HDF5 1.10.8 raises
    /// a "wrong version number" minor error for every versioned structure (superblock, object
    /// header, datatype and layout messages), and an object-header "unrecognized message" or
    /// "unsupported" one for message types it does not know.
    ///
    /// HDF5 1.10.8 raises a bad datatype or layout message version as (Datatype or Object header,
    /// "unable to load"), the same pair as metadata not yet in a live file: there the numbers
    /// alone cannot tell, and the innermost entry's function says which structure's decoder
    /// refused its bytes (measured on files of h5py 3.16 / HDF5 2.0).
    public var isNewerFormat: Bool {
        if has(minor: .version) { return true }
        if codes.contains(where: { $0.major == .objectHeader && ($0.minor == .badMessage || $0.minor == .unsupported) }) { return true }
        guard let innermost = codes.first, innermost.minor == .cantLoad else { return false }
        return Self.versionedDecoders.contains(innermost.function)
    }

    /// HDF5 1.10's decoders of versioned structures that refuse a newer version with "unable to load".
    static let versionedDecoders: Set<String> = ["H5O__layout_decode", "H5O_dtype_decode_helper", "H5O__dtype_decode_helper",
                                                 "H5O__pline_decode", "H5O__fill_new_decode", "H5O__sdspace_decode",
                                                 "H5O__attr_decode", "H5O__linfo_decode", "H5O__ginfo_decode"]

    /// Takes (and clears) the current HDF5 error stack. The text is one line: HDF5 puts line
    /// breaks inside some descriptions (H5F_open's "time = …\n, name = …"), which are folded.
    static func take(_ operation: @autoclosure () -> String) -> H5Error {
        var buffer = [CChar](repeating: 0, count: 4096)
        var raw = [Int32](repeating: 0, count: 2 * 32)
        var funcs = [CChar](repeating: 0, count: 2048)
        let depth = Int(lrp_take_error_stack(&buffer, buffer.count, &raw, 32, &funcs, funcs.count))
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let names = funcs.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.split(separator: "\n").map(String.init)
        let codes = (0..<min(depth, 32)).map { i in
            Code(Code.Major(rawValue: raw[2 * i]) ?? .other, Code.Minor(rawValue: raw[2 * i + 1]) ?? .other,
                 function: i < names.count ? names[i] : "")
        }
        return H5Error(operation: oneLine(operation()), stack: oneLine(text), codes: codes)
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
/// (silencing only the calling thread) left every other thread printing HDF5-DIAG traces. So `ensure()`
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
