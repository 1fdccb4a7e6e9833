import Foundation
import HDF5

/// Everything that can go wrong with a raw file, each naming the file and the reason in one line.
/// `exitCode` gives each kind its own process exit status for the command-line tools.
public enum RawFileError: Error, CustomStringConvertible, Sendable {
    case notFound(path: String)
    case isDirectory(path: String)
    case notHDF5(path: String)
    case notRawLayout(path: String, reason: String)
    case unequalLengths(path: String, msgs: Int, headers: Int)
    case versionRefused(path: String, what: String, file: String?, requested: String)
    case newerHDF5Format(path: String, detail: String)
    case badHeaders(path: String, reason: String)
    case exists(path: String)
    case notWritable(path: String, reason: String)
    case openForWriting(path: String)
    case invalidArgument(path: String, reason: String)
    case hdf5(path: String, error: H5Error)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .isDirectory(let p): return "\(p): is a directory, not a raw file"
        case .notHDF5(let p): return "\(p): not an HDF5 file"
        case .notRawLayout(let p, let r): return "\(p): not a LArPix raw file: \(r)"
        case .unequalLengths(let p, let m, let h):
            return "\(p): msgs has \(m) rows but msg_headers has \(h) (an append in progress, or a damaged file)"
        case .versionRefused(let p, let w, let f, let r):
            return "\(p): \(w) \(f ?? "(none)") is incompatible with the requested \(r)"
        case .newerHDF5Format(let p, let d):
            return "\(p): written in a newer HDF5 file format (e.g. by HDF5 2.x with library-version bounds \"latest\") than this build's HDF5 \(H5Library.version) can read or append to (\(d))"
        case .badHeaders(let p, let r): return "\(p): bad message headers: \(r)"
        case .exists(let p): return "\(p): already exists; refusing to overwrite"
        case .notWritable(let p, let r): return "\(p): cannot write: \(r)"
        case .openForWriting(let p):
            return "\(p): marked as open by a SWMR writer (still being written, or its writer crashed); `larpix-raw clear` clears the mark"
        case .invalidArgument(let p, let r): return "\(p): \(r)"
        case .hdf5(let p, let e): return "\(p): \(e)"
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .notFound: return 10
        case .isDirectory: return 11
        case .notHDF5: return 12
        case .notRawLayout: return 13
        case .unequalLengths: return 14
        case .versionRefused: return 15
        case .newerHDF5Format: return 16
        case .badHeaders: return 17
        case .exists: return 18
        case .notWritable: return 19
        case .openForWriting: return 20
        case .invalidArgument: return 2
        case .hdf5: return 21
        }
    }

    /// Classifies an HDF5 failure on `path` into the user-facing kinds above.
    static func from(_ error: H5Error, path: String) -> RawFileError {
        if error.isNewerFormat { return .newerHDF5Format(path: path, detail: firstLine(error.stack)) }
        // HDF5 says only "cannot open file"; the superblock says whether a writer holds it.
        if error.has(.file, .cantOpenFile) && SuperblockFlags.isMarkedOpenForWriting(path) {
            return .openForWriting(path: path)
        }
        return .hdf5(path: path, error: error)
    }

    private static func firstLine(_ s: String) -> String {
        String(s.split(separator: ";").first ?? Substring(s)).trimmingCharacters(in: .whitespaces)
    }
}

/// Transient SWMR-reader failures (FORMAT.md section 3): worth retrying, not worth reporting.
extension RawFileError {
    public var isTransientForReader: Bool {
        switch self {
        case .unequalLengths: return true
        case .hdf5(_, let e):
            // What a live file shows a reader mid-flush: bytes past its end of allocation
            // (overflow), metadata not yet (completely) there (load, protect, decode, read,
            // truncated, checksum as bad value), a heap collection not yet there, or a file not yet
            // marked for SWMR writing (cannot open).
            let transient: Set<H5Error.Code.Minor> = [.overflow, .cantLoad, .cantProtect, .cantDecode, .readError,
                                                      .truncated, .badValue, .cantOpenFile]
            return e.codes.contains { transient.contains($0.minor) } || e.has(major: .heap)
                // Our own direct heap reader's word (not HDF5's) for a collection not yet complete.
                || e.stack.contains("not yet complete in the file")
        default: return false
        }
    }
}
