import Foundation
import HDF5

/// The attributes of /meta.
public struct RawFileMetadata: Equatable, Sendable {
    /// Unix seconds when the file was first created.
    public var created: Double
    /// Unix seconds of the last write.
    public var modified: Double
    /// File format version text as stored ("0.0").
    public var version: String
    /// Message encoding version text, when the file has one.
    public var ioVersion: String?

    public init(created: Double, modified: Double, version: String, ioVersion: String?) {
        self.created = created
        self.modified = modified
        self.version = version
        self.ioVersion = ioVersion
    }

    static func read(from meta: H5Group, path: String) throws(RawFileError) -> RawFileMetadata {
        let a = meta.attributes
        do {
            let io: String? = try a.exists("io_version") ? try a.readString("io_version") : nil
            return RawFileMetadata(created: try a.readDouble("created"), modified: try a.readDouble("modified"),
                                   version: try a.readString("version"), ioVersion: io)
        } catch {
            throw RawFileError.from(error, path: path)
        }
    }

    /// Parsed file version, or an error naming the bad text.
    func parsedVersion(path: String) throws(RawFileError) -> FormatVersion {
        guard let v = FormatVersion(version) else {
            throw .notRawLayout(path: path, reason: "meta/version \"\(version)\" is not major.minor")
        }
        return v
    }
}
