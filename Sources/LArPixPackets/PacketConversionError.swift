import HDF5
import LArPixRaw

/// Everything a conversion can fail on, each one line naming the file; `exitCode` follows
/// larpix-raw's table (README), with 25 for a message --strict refuses.
public enum PacketConversionError: Error, CustomStringConvertible, Sendable {
    case raw(RawFileError)
    case exists(path: String)
    case notWritable(path: String, reason: String)
    case notPacketFile(path: String, reason: String)
    case versionRefused(path: String, found: String)
    case sameFile(path: String)
    /// --strict: the first message larpix-control would fail on.
    case badMessage(file: String, row: Int, reason: SkipReason, word: Int?)
    case hdf5(path: String, error: H5Error)

    public static let strictExitCode: Int32 = 25

    public var description: String {
        switch self {
        case .raw(let e): return e.description
        case .exists(let p): return "\(p): already exists; refusing to overwrite (--force replaces it, --append adds to it)"
        case .notWritable(let p, let r): return "\(p): cannot write: \(r)"
        case .notPacketFile(let p, let r): return "\(p): not a larpix-control packet file: \(r)"
        case .versionRefused(let p, let v):
            return "\(p): packet file version \(v) cannot be appended to (this build writes only \(PacketFormat.version))"
        case .sameFile(let p): return "\(p): is both an input and the output"
        case .badMessage(let f, let row, let reason, let word):
            return "\(f): message \(row): \(reason.rawValue)\(word.map { " (word \($0))" } ?? ""): \(reason.explanation)"
        case .hdf5(let p, let e): return "\(p): \(e)"
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .raw(let e): return e.exitCode
        case .exists: return 18
        case .notWritable: return 19
        case .notPacketFile: return 13
        case .versionRefused: return 15
        case .sameFile: return 2
        case .badMessage: return Self.strictExitCode
        case .hdf5(_, let e): return e.isNewerFormat ? 16 : 21
        }
    }
}
