import Foundation
import LArPixRaw
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// Makes a closed file durable: fsync of the file, then of its directory (the file's name, made
/// when it was created, and the latest link's if it is there). The closed-file worker does it
/// first, before checksums and the sidecar, so that a sidecar never names a file a power cut
/// could still take back; the writer thread only closes the file. Both steps are injectable, so
/// that a test sees their order against the sidecar's.
struct FileDurability: Sendable {
    /// Each returns nil when done, else the reason it failed.
    var syncFile: @Sendable (String) -> String?
    var syncDirectory: @Sendable (String) -> String?

    /// fsync(2) of the file and of its directory.
    static let fsync = FileDurability(syncFile: FileDurability.fsyncFile, syncDirectory: { DirectorySync.sync(directoryOf: $0) })

    func make(_ path: String) throws(ClosedFileError) {
        if let why = syncFile(path) { throw ClosedFileError(path: path, reason: "fsync: \(why)") }
        if let why = syncDirectory(path) { throw ClosedFileError(path: path, reason: "fsync of its directory: \(why)") }
    }

    static func fsyncFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        do { try Posix.fsync(fd) } catch { return error.description }
        return nil
    }
}
