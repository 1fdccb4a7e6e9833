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
    /// /meta run, subrun and data_stream, when the file was written during a run (all three).
    public var run: RunTag?

    public init(created: Double, modified: Double, version: String, ioVersion: String?, run: RunTag? = nil) {
        self.created = created
        self.modified = modified
        self.version = version
        self.ioVersion = ioVersion
        self.run = run
    }

    static func read(from meta: H5Group, path: String) throws(RawFileError) -> RawFileMetadata {
        let a = meta.attributes
        do {
            let io: String? = try a.exists("io_version") ? try a.readString("io_version") : nil
            return RawFileMetadata(created: try a.readDouble("created"), modified: try a.readDouble("modified"),
                                   version: try a.readString("version"), ioVersion: io, run: try readRun(a))
        } catch {
            throw RawFileError.from(error, path: path)
        }
    }

    /// The run tag, when all three attributes are there (a file tagged by hand with fewer has none).
    private static func readRun(_ a: H5Attributes) throws(H5Error) -> RunTag? {
        guard try a.exists(RunTag.runAttribute), try a.exists(RunTag.subrunAttribute),
              try a.exists(RunTag.dataStreamAttribute) else { return nil }
        let run = Int(try a.readInt64(RunTag.runAttribute))
        return RunTag(run: run, subrun: RunTag.subrun(stored: Int(try a.readInt64(RunTag.subrunAttribute)), run: run),
                      dataStream: try a.readString(RunTag.dataStreamAttribute))
    }

    /// Writes the run tag into /meta (before SWMR writing starts: attributes cannot be added after).
    static func write(_ tag: RunTag, to meta: H5Group) throws(H5Error) {
        try meta.attributes.writeInt64(RunTag.runAttribute, Int64(tag.run))
        try meta.attributes.writeInt64(RunTag.subrunAttribute, Int64(tag.catalogSubrun))
        try meta.attributes.writeString(RunTag.dataStreamAttribute, tag.dataStream)
    }

    /// Parsed file version, or an error naming the bad text.
    func parsedVersion(path: String) throws(RawFileError) -> FormatVersion {
        guard let v = FormatVersion(version) else {
            throw .notRawLayout(path: path, reason: "meta/version \"\(version)\" is not major.minor")
        }
        return v
    }
}
