import Foundation
#if canImport(Glibc)
import Glibc
import Posix
#endif

/// fsync of a directory, after a name was made in it (link, rename, symlink): until then a power
/// cut can lose the new name even though the file's bytes are on disk.
public enum DirectorySync {
    /// Syncs the directory that holds `path`; the errno text on failure.
    @discardableResult
    public static func sync(directoryOf path: String) -> String? {
        let dir = (path as NSString).deletingLastPathComponent
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        do { try Posix.fsync(fd) } catch {
            // Some filesystems cannot sync a directory (EINVAL): nothing more can be done there.
            return error.errno == EINVAL ? nil : error.description
        }
        return nil
    }
}
