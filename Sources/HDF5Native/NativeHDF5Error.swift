/// A file the native reader cannot read, in one line naming the file, the structure and why.
public struct NativeHDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A version, flag or feature this reader does not implement (the file may be valid).
        case unsupported
        /// Bytes that contradict the format (bad signature, impossible length, a loop).
        case malformed
        /// A structure that is not (completely) in the file: past its end, or failing its
        /// checksum. On a file a writer still has open this is what a torn flush looks like.
        case incomplete
        /// No object of that name, or an object of another kind.
        case notFound
        /// The operating system refused (open, read).
        case io
    }

    public let kind: Kind
    public let path: String
    /// The structure being read, e.g. "object header at 0x30" or "superblock".
    public let structure: String
    public let reason: String

    public init(_ kind: Kind, path: String, structure: String, reason: String) {
        self.kind = kind
        self.path = path
        self.structure = structure
        self.reason = reason
    }

    public var description: String { "\(path): \(structure): \(reason)" }
}
