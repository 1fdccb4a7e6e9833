/// A read-only HDF5 file read without the HDF5 library: the superblock, then objects by path.
/// The high-level entry point of this module (files written by HDF5 1.8 to 2.x).
public final class HDF5NativeFile: Sendable {
    public let path: String
    public let superblock: Superblock
    public let context: FormatContext

    public init(path: String) throws(NativeHDF5Error) {
        self.path = path
        let file = try FileBytes(path: path)
        superblock = try Superblock.read(file)
        context = FormatContext(file: file, sizeOfOffsets: superblock.sizeOfOffsets, sizeOfLengths: superblock.sizeOfLengths,
                                baseAddress: superblock.baseAddress)
    }

    /// True when the superblock says a writer has the file open (or died with it open).
    public var isMarkedOpenForWriting: Bool { superblock.version >= 2 && superblock.consistencyFlags & 0x05 != 0 }

    public func root() throws(NativeHDF5Error) -> NativeObject {
        try NativeObject(name: "/", header: try ObjectHeader.read(context, at: superblock.rootObjectHeader), context: context)
    }

    /// The object at an absolute or root-relative path ("/meta", "msgs").
    public func object(_ objectPath: String) throws(NativeHDF5Error) -> NativeObject {
        var o = try root()
        for part in objectPath.split(separator: "/") where !part.isEmpty {
            o = try o.child(String(part))
        }
        return o
    }

    public func dataset(_ objectPath: String) throws(NativeHDF5Error) -> NativeDataset {
        try NativeDataset(try object(objectPath))
    }
}
