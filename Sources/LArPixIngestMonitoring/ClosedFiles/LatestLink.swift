import Foundation
import LArPixRaw

/// The symbolic link in the output directory (`output.latest_link`, default `latest`, never *.h5) to the
/// file being written. It holds the file's name only (relative), so it survives moving the
/// directory, and it is replaced atomically: a new link made beside it is renamed over it, so a
/// reader always finds either the old file or the new one.
struct LatestLink: Sendable {
    let directory: String
    let name: String

    var path: String { (directory as NSString).appendingPathComponent(name) }

    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// Points the link at `file` (a file in `directory`).
    func point(at file: String) throws(Failure) {
        let link = path
        var st = stat()
        if lstat(link, &st) == 0 && (st.st_mode & S_IFMT) != S_IFLNK {
            throw Failure(path: link, reason: "exists and is not a symbolic link; not replaced")
        }
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        unlink(temporary)
        let target = (file as NSString).lastPathComponent
        guard symlink(target, temporary) == 0 else { throw Failure(path: temporary, reason: "symlink: \(String(cString: strerror(errno)))") }
        guard rename(temporary, link) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(path: link, reason: "rename: \(reason)")
        }
        // No directory fsync here (the writer thread calls this): the closed-file worker's
        // fsync of this directory at the next close makes the new link durable.
    }
}
