/// A directory stored in a raw file as crs_daq stores its DAQ configuration: an xz-compressed
/// tarball in the uint8 dataset `/daq_configs`, with the directory's name in its attribute
/// `dirname`. larpix-control reads only /meta, /msgs and /msg_headers, so the file reads and
/// appends as any other.
public struct EmbeddedArchive: Sendable, Equatable {
    public static let dataset = "daq_configs"
    public static let dirnameAttribute = "dirname"

    /// The directory's path as configured (what `tar -C` was given).
    public var dirname: String
    /// The .tar.xz bytes.
    public var bytes: [UInt8]

    public init(dirname: String, bytes: [UInt8]) {
        self.dirname = dirname
        self.bytes = bytes
    }
}
